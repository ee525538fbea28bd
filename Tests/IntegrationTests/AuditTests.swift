// AuditTests: every prediction leaves a chained record; tampering is detected; SIGTERM flushes.

import Foundation
import Glibc
@testable import GroveServer
import GroveWire
import Testing
import GroveModelStore

@Suite struct AuditTests {
    static func tempDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("grove-audit-\(UUID().uuidString)")
    }

    @Test func everyPredictionIsRecordedAndTheChainVerifies() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let s = try TestServer(configure: { $0.auditDirectory = dir; $0.auditMaxFileBytes = 8 * 1024 }) {
                try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0)
            }
            let c = try RawClient(port: s.port)
            for i in 0..<50 {
                let r = try c.call(Request(id: UInt64(100 + i), call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(i)]))))
                #expect(r.status.code == .ok)
            }
            _ = try c.call(Request(id: 1, call: .health))  // not a prediction: not audited
            s.server.stop()
            s.server.wait()
        }
        let v = AuditChain.verify(dir: dir)
        #expect(v.firstBreak == nil)
        #expect(v.records == 50)
        #expect(AuditChain.files(in: dir).count > 1)  // rotated at 8 KiB
        let text = try AuditChain.files(in: dir).map { try String(contentsOf: $0, encoding: .utf8) }.joined()
        #expect(text.contains("\"request_id\":100,"))
        #expect(text.contains("\"model\":\"german_credit\",\"version\":1,"))
        #expect(text.contains("\"key\":\"-\""))

        // Tamper with one record: verify names it.
        let first = AuditChain.files(in: dir)[0]
        var lines = try String(contentsOf: first, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: "\"rows\":1", with: "\"rows\":2")
        try (lines.joined(separator: "\n") + "\n").write(to: first, atomically: true, encoding: .utf8)
        let broken = AuditChain.verify(dir: dir)
        #expect(broken.firstBreak?.line == 4)   // the record after the altered one no longer chains
        #expect(broken.records == 3)
    }

    @Test func theChainContinuesAcrossRestarts() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<2 {
            let s = try TestServer(configure: { $0.auditDirectory = dir }) { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) }
            let c = try RawClient(port: s.port)
            for i in 0..<5 {
                _ = try c.call(Request(id: UInt64(round * 10 + i), call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(i)]))))
            }
            s.server.stop()
            s.server.wait()
        }
        let v = AuditChain.verify(dir: dir)
        #expect(v.firstBreak == nil && v.records == 10)
    }

    @Test func sigtermFlushesTheAuditLogAndItVerifies() throws {
        let repo = Self.tempDir(), dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: repo); try? FileManager.default.removeItem(at: dir) }
        try Fixtures.publish(Fixtures.germanModel(trees: 5), into: repo)
        let server = try ServerProcess(repository: repo, extraArguments: ["--audit-log", dir.path])
        let c = try RawClient(port: server.port)
        var bytes: [UInt8] = []
        for i in 0..<300 {
            bytes += Request(id: UInt64(i + 1), call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(i)]))).framed()
        }
        try c.send(bytes)
        server.signal(SIGTERM)
        var answered = 0
        while let r = try? c.readResponse() {
            #expect(r.status.code == .ok)
            answered += 1
        }
        #expect(answered == 300)
        #expect(server.waitForExit() == 0)
        let v = AuditChain.verify(dir: dir)
        #expect(v.firstBreak == nil)
        #expect(v.records == 300)
    }
}
