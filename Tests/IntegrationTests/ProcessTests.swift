// ProcessTests: the real `grove serve` process: SIGTERM under load answers everything, then exits 0.

import Foundation
import Glibc
import GroveWire
import Testing

/// A `grove serve` child process on a free port.
final class ServerProcess {
    let process = Process()
    let port: UInt16
    private let stderrPipe = Pipe()

    /// `fileSizeLimitKiB`: run under `ulimit -f` (RLIMIT_FSIZE), so writes past it fail with EFBIG.
    init(repository: URL, extraArguments: [String] = [], fileSizeLimitKiB: Int? = nil) throws {
        let arguments = ["serve", "--repo", repository.path, "--port", "0", "--threads", "2", "--log-level", "warning"] + extraArguments
        if let limit = fileSizeLimitKiB {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(limit) && exec \"$0\" \"$@\"", Fixtures.groveBinary.path] + arguments
        } else {
            process.executableURL = Fixtures.groveBinary
            process.arguments = arguments
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = stderrPipe
        try process.run()
        // The server prints "listening HOST:PORT" once it accepts connections.
        var line = Data()
        let handle = out.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let portText = text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines),
              let p = UInt16(portText) else {
            process.terminate()
            throw ClientFailure("server did not report its port: '\(text)'")
        }
        port = p
    }

    func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    /// Waits for exit (up to `seconds`) and returns the exit status.
    func waitForExit(seconds: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); return nil }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ClientFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite(.serialized) struct ProcessTests {
    static var binaryBuilt: Bool { FileManager.default.isExecutableFile(atPath: Fixtures.groveBinary.path) }

    @Test func sigtermUnderLoadAnswersEveryReceivedRequestThenExitsZero() throws {
        try #require(Self.binaryBuilt, "build the grove executable first (swift build --build-tests builds it)")
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-proc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 20), into: repo)
        let server = try ServerProcess(repository: repo)
        // Four connections, each with 500 pipelined predictions fully sent before SIGTERM.
        let clients = try (0..<4).map { _ in try RawClient(port: server.port) }
        let record = Fixtures.germanRecord(5)
        for c in clients {
            var bytes: [UInt8] = []
            for i in 0..<500 {
                bytes += Request(id: UInt64(i + 1), call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [record]))).framed()
            }
            try c.send(bytes)
        }
        server.signal(SIGTERM)
        for c in clients {
            for i in 0..<500 {
                let r = try c.readResponse()
                #expect(r.id == UInt64(i + 1))
                #expect(r.status.code == .ok)
            }
            #expect(c.isClosedByPeer())
        }
        #expect(server.waitForExit() == 0)
    }

    @Test func sighupRescansTheRepositoryAtOnce() throws {
        try #require(Self.binaryBuilt, "build the grove executable first")
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-proc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        // Polling off: only SIGHUP can make the new model appear.
        let server = try ServerProcess(repository: repo, extraArguments: ["--poll-interval", "0"])
        let c = try RawClient(port: server.port)
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
        usleep(300_000)
        let before = try c.call(Request(id: 1, call: .listModels))
        if case let .listModels(ms)? = before.result { #expect(ms.isEmpty) }
        server.signal(SIGHUP)
        var found = false
        for _ in 0..<100 where !found {
            usleep(50_000)
            if case let .listModels(ms)? = try c.call(Request(id: 2, call: .listModels)).result { found = !ms.isEmpty }
        }
        #expect(found)
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}
