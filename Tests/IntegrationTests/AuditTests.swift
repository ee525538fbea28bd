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

/// The audit log fails closed, and its end is anchored.
@Suite struct AuditFailClosedTests {
    static let m = ModelSelector(name: "german_credit")

    static func predict(_ c: RawClient, _ i: Int) throws -> Response {
        try c.call(Request(id: UInt64(i), call: .predict(PredictRequest(model: m, records: [Fixtures.germanRecord(i % 1000)]))))
    }

    /// The directory is moved away under a running server: the next group commit cannot anchor its
    /// head, the log stops, predictions are UNAVAILABLE with the reason and Health is NOT_SERVING;
    /// calls that need no record still work.
    @Test func aLogThatCannotBeWrittenRefusesPredictionsAndHealthSaysWhy() throws {
        let dir = AuditTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try TestServer(configure: { $0.auditDirectory = dir }) { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) }
        let c = try RawClient(port: s.port)
        #expect(try Self.predict(c, 1).status.code == .ok)
        let moved = dir.appendingPathExtension("gone")
        defer { try? FileManager.default.removeItem(at: moved) }
        try FileManager.default.moveItem(at: dir, to: moved)
        var refused: Response?
        for i in 2..<200 where refused == nil {
            let r = try Self.predict(c, i)
            if r.status.code != .ok { refused = r } else { usleep(5_000) }
        }
        let r = try #require(refused, "predictions kept being served with no audit directory")
        #expect(r.status.code == .unavailable && r.status.message.contains("audit log unavailable"), "\(r.status)")
        guard case let .health(h)? = try c.call(Request(id: 900, call: .health)).result else { Issue.record("no health"); return }
        #expect(h.status == .notServing && h.reason.contains("audit log unavailable"), "\(h.reason)")
        // Fails closed for good: recreating the directory does not bring it back.
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        usleep(50_000)
        #expect(try Self.predict(c, 901).status.code == .unavailable)
        #expect(try c.call(Request(id: 902, call: .modelInfo(Self.m))).status.code == .ok)
        #expect(s.server.audit?.failures == 1)
    }

    /// A full disk, simulated with a file size limit (RLIMIT_FSIZE) on the server process.
    @Test func aFullDiskStopsTheLogAndWhatWasWrittenStillVerifies() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        let repo = AuditTests.tempDir(), dir = AuditTests.tempDir()
        defer { try? FileManager.default.removeItem(at: repo); try? FileManager.default.removeItem(at: dir) }
        try Fixtures.publish(Fixtures.germanModel(trees: 2), into: repo)
        let server = try ServerProcess(repository: repo, extraArguments: ["--audit-log", dir.path], fileSizeLimitKiB: 24)
        let c = try RawClient(port: server.port)
        var served = 0
        var refusal: Response?
        for i in 0..<2000 where refusal == nil {
            let r = try Self.predict(c, i)
            if r.status.code == .ok { served += 1 } else { refusal = r }
        }
        let r = try #require(refusal, "2,000 predictions served past a 24 KiB file size limit")
        #expect(r.status.code == .unavailable && r.status.message.contains("audit log unavailable"), "\(r.status)")
        #expect(r.status.message.contains("File too large") || r.status.message.contains("EFBIG"), "\(r.status.message)")
        guard case let .health(h)? = try c.call(Request(id: 9_000, call: .health)).result else { Issue.record("no health"); return }
        #expect(h.status == .notServing)
        #expect(try Self.predict(c, 9_001).status.code == .unavailable)
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        // Every record on disk chains and ends at the head, and every prediction served has its
        // record: an answer goes out only once its record is durable.
        let v = AuditChain.verify(dir: dir)
        #expect(v.firstBreak == nil, "\(String(describing: v.firstBreak))")
        #expect(v.records > 0 && v.records == UInt64(served), "\(v.records) records for \(served) predictions served")
        print("full disk: \(served) predictions served, \(v.records) recorded durably before the log stopped")
    }

    /// Deleting the newest file, cutting the tail or editing the last record: verify says BROKEN.
    @Test func tamperingWithTheEndOfTheChainIsDetected() throws {
        let dir = AuditTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let s = try TestServer(configure: { $0.auditDirectory = dir; $0.auditMaxFileBytes = 4 * 1024 }) {
                try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0)
            }
            let c = try RawClient(port: s.port)
            for i in 0..<40 { #expect(try Self.predict(c, i).status.code == .ok) }
            s.server.stop()
            s.server.wait()
        }
        let clean = AuditChain.verify(dir: dir)
        #expect(clean.firstBreak == nil && clean.records == 40 && clean.head?.seq == 40 && clean.recordsAfterHead == 0)
        let files = AuditChain.files(in: dir)
        try #require(files.count >= 3)
        let backup = AuditTests.tempDir()
        try FileManager.default.copyItem(at: dir, to: backup)
        defer { try? FileManager.default.removeItem(at: backup) }
        func restore() throws {
            try FileManager.default.removeItem(at: dir)
            try FileManager.default.copyItem(at: backup, to: dir)
            #expect(AuditChain.verify(dir: dir).firstBreak == nil)
        }
        // The newest file holding records (rotation may have opened an empty one after it).
        let newest = try #require(files.last { ((try? String(contentsOf: $0, encoding: .utf8)) ?? "").contains("\n") })
        // 1. The newest file deleted: what remains chains, but ends before the head.
        try FileManager.default.removeItem(at: newest)
        #expect(AuditChain.verify(dir: dir).firstBreak?.reason.contains("deleted or cut") == true)
        try restore()
        // 2. The tail cut (the last record removed, cleanly at a line end).
        var lines = try String(contentsOf: newest, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.removeLast()
        try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(to: newest, atomically: true, encoding: .utf8)
        #expect(AuditChain.verify(dir: dir).firstBreak?.reason.contains("deleted or cut") == true)
        try restore()
        // 3. The last record edited (nothing after it to break the chain).
        lines = try String(contentsOf: newest, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: "\"rows\":1", with: "\"rows\":9")
        try (lines.joined(separator: "\n") + "\n").write(to: newest, atomically: true, encoding: .utf8)
        let edited = AuditChain.verify(dir: dir)
        #expect(edited.firstBreak?.reason.contains("edited") == true, "\(String(describing: edited.firstBreak))")
        try restore()
        // 4. The head deleted.
        try FileManager.default.removeItem(at: dir.appendingPathComponent(AuditHead.fileName))
        #expect(AuditChain.verify(dir: dir).firstBreak?.file == AuditHead.fileName)
    }
}
