// HealthTests: NOT_SERVING while draining (before the listeners close), while no model is
// AVAILABLE, and while the audit log is failing.

import Foundation
import Glibc
import GroveWire
import Testing

@Suite struct HealthTests {
    static func health(_ c: RawClient) throws -> HealthResponse {
        guard case let .health(h)? = try c.call(Request(id: 1, call: .health)).result else { throw ClientFailure("no health result") }
        return h
    }

    @Test func noAvailableModelMeansNotServingUntilOneLoads() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        let empty = try Self.health(c)
        #expect(empty.status == .notServing)
        #expect(empty.reason == "no model version is AVAILABLE")
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: s.repository)
        var now = empty
        for _ in 0..<100 where now.status != .serving {
            usleep(50_000)
            now = try Self.health(c)
        }
        #expect(now.status == .serving && now.reason.isEmpty && now.modelsAvailable == 1)
    }

    @Test func drainReportsNotServingWhileStillServingThenCloses() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-drain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
        let server = try ServerProcess(repository: repo, extraArguments: ["--drain-seconds", "1.5"])
        let open = try RawClient(port: server.port)
        #expect(try Self.health(open).status == .serving)
        let signalled = Date()
        server.signal(SIGTERM)
        usleep(200_000)
        // Within the drain window: NOT_SERVING, yet calls are answered and new connections accepted.
        let h = try Self.health(open)
        #expect(h.status == .notServing && h.reason.hasPrefix("draining"))
        let late = try RawClient(port: server.port)
        let p = try late.call(Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))))
        #expect(p.status.code == .ok)
        #expect(Date().timeIntervalSince(signalled) < 1.4, "the checks above ran inside the drain window")
        // After it: the listener is closed, open connections are closed, and the process exits 0.
        #expect(open.isClosedByPeer())
        #expect(Date().timeIntervalSince(signalled) >= 1.5)
        usleep(100_000)   // every loop closes its own listener
        #expect(throws: (any Error).self) { _ = try RawClient(port: server.port) }
        #expect(server.waitForExit() == 0)
    }

    @Test func aFailingAuditLogMeansNotServing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-audit-fail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Tiny files: the first prediction's record makes the log rotate to audit-000002.log,
        // which is made a link to /dev/full (every write fails with ENOSPC) after startup.
        let s = try TestServer(configure: { $0.auditDirectory = dir; $0.auditMaxFileBytes = 64 },
                               populate: { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) })
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("audit-000002.log").path,
                                                   withDestinationPath: "/dev/full")
        let c = try RawClient(port: s.port)
        #expect(try Self.health(c).status == .serving)
        let model = ModelSelector(name: "german_credit")
        var h = try Self.health(c)
        for i in 0..<100 where h.status == .serving {
            _ = try c.call(Request(id: UInt64(i), call: .predict(PredictRequest(model: model, records: [Fixtures.germanRecord(i)]))))
            usleep(20_000)
            h = try Self.health(c)
        }
        #expect(h.status == .notServing)
        #expect(h.reason.contains("audit log"), "\(h.reason)")
    }
}
