// AuthTests: API keys and roles over the socket; key file reloads; no open non-loopback bind.

import Foundation
import Glibc
@testable import GroveServer
import GroveWire
import Testing
import GroveModelStore

@Suite struct AuthTests {
    static func keyFile(_ keys: [(String, Role, String)]) throws -> URL {
        var file = KeyFile()
        for (id, role, key) in keys { file.add(id: id, role: role, key: key) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grove-keys-\(UUID().uuidString)")
        try file.text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func keysAndRolesAreEnforced() throws {
        let keys = try Self.keyFile([("desk", .predict, "predict-key"), ("monitor", .read, "read-key")])
        defer { try? FileManager.default.removeItem(at: keys) }
        let s = try TestServer(configure: { $0.keysFile = keys }) { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) }
        let c = try RawClient(port: s.port)
        let predict = Request.Call.predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))
        // Health answers without a key (a load balancer's check carries none) and to every role;
        // a key sent with it is still checked, and every other call needs one.
        #expect(try c.call(Request(id: 1, call: .health)).status.code == .ok)
        // Without a key it says whether it serves and why, not the build or its uptime.
        guard case let .health(keyless)? = try c.call(Request(id: 11, call: .health)).result,
              case let .health(keyed)? = try c.call(Request(id: 12, apiKey: "read-key", call: .health)).result else {
            Issue.record("no health answers"); return
        }
        #expect(keyless.status == keyed.status && keyless.reason == keyed.reason)
        #expect(keyless.serverVersion.isEmpty && keyless.uptimeSeconds == 0 && keyless.modelsAvailable == 0)
        #expect(!keyed.serverVersion.isEmpty && keyed.uptimeSeconds > 0 && keyed.modelsAvailable > 0)
        #expect(try c.call(Request(id: 2, apiKey: "wrong", call: .health)).status.code == .unauthenticated)
        #expect(try c.call(Request(id: 3, apiKey: "read-key", call: .health)).status.code == .ok)
        #expect(try c.call(Request(id: 7, apiKey: "predict-key", call: .health)).status.code == .ok)
        #expect(try c.call(Request(id: 8, call: predict)).status.code == .unauthenticated)
        #expect(try c.call(Request(id: 9, call: .stats)).status.code == .unauthenticated)
        #expect(try c.call(Request(id: 10, call: .listModels)).status.code == .unauthenticated)
        let denied = try c.call(Request(id: 4, apiKey: "read-key", call: predict))
        #expect(denied.status.code == .permissionDenied)
        #expect(denied.status.message.contains("monitor"))
        #expect(try c.call(Request(id: 5, apiKey: "predict-key", call: predict)).status.code == .ok)
        #expect(try c.call(Request(id: 6, apiKey: "predict-key", call: .stats)).status.code == .permissionDenied)
        // Alternating keys on one connection (the per-loop cache must not confuse them).
        for i in 0..<20 {
            let key = i % 2 == 0 ? "predict-key" : "read-key"
            #expect(try c.call(Request(id: UInt64(20 + i), apiKey: key, call: predict)).status.code == (i % 2 == 0 ? .ok : .permissionDenied))
        }
    }

    @Test func aRevokedKeyStopsWorkingWithoutARestart() throws {
        let keys = try Self.keyFile([("desk", .admin, "k-1"), ("other", .admin, "k-2")])
        defer { try? FileManager.default.removeItem(at: keys) }
        let s = try TestServer(configure: { $0.keysFile = keys })
        let c = try RawClient(port: s.port)
        #expect(try c.call(Request(id: 1, apiKey: "k-1", call: .health)).status.code == .ok)
        var file = try KeyFile(text: String(contentsOf: keys, encoding: .utf8))
        _ = file.revoke(id: "desk")
        try file.text.write(to: keys, atomically: true, encoding: .utf8)
        #expect(try Fixtures.eventually { try c.call(Request(id: 2, apiKey: "k-1", call: .health)).status.code == .unauthenticated })
        #expect(try c.call(Request(id: 3, apiKey: "k-2", call: .health)).status.code == .ok)
    }

    /// An operator revokes a key by editing the file and makes a typo: the server keeps the last
    /// valid keys (so nobody is locked out and nothing opens), says so in Stats at every reload,
    /// and applies the file as soon as it is valid again.
    @Test func anInvalidKeyFileAtReloadKeepsTheLastValidKeysAndStatsSaysWhy() throws {
        let keys = try Self.keyFile([("desk", .admin, "k-1"), ("ops", .admin, "k-2")])
        defer { try? FileManager.default.removeItem(at: keys) }
        let s = try TestServer(configure: { $0.keysFile = keys; $0.pollIntervalSeconds = 0.1 })
        let c = try RawClient(port: s.port)
        func stats() throws -> StatsResponse? {
            if case let .stats(st)? = try c.call(Request(id: 1, apiKey: "k-2", call: .stats)).result { return st }
            return nil
        }
        #expect(try stats()?.keyFileError == "")
        var file = try KeyFile(text: String(contentsOf: keys, encoding: .utf8))
        _ = file.revoke(id: "desk")
        try (file.text + "ops2 admni 0123\n").write(to: keys, atomically: true, encoding: .utf8)   // the typo
        var refused: StatsResponse?
        for _ in 0..<100 where refused == nil {
            usleep(50_000)
            if let st = try stats(), !st.keyFileError.isEmpty { refused = st }
        }
        let st = try #require(refused, "the invalid key file was not reported in Stats")
        #expect(st.keyFileError.contains("admni"), "\(st.keyFileError)")
        // Counted at every reload while it stays invalid.
        usleep(400_000)
        #expect(try stats()?.keyReloadFailures ?? 0 > st.keyReloadFailures)
        // The last valid keys stay in force (the revoked key too, until the file is fixed).
        #expect(try c.call(Request(id: 2, apiKey: "k-1", call: .health)).status.code == .ok)
        try file.text.write(to: keys, atomically: true, encoding: .utf8)
        #expect(try Fixtures.eventually { try c.call(Request(id: 3, apiKey: "k-1", call: .health)).status.code == .unauthenticated })
        #expect(try stats()?.keyFileError == "")
    }

    @Test func nonLoopbackBindWithoutKeysIsRefused() throws {
        var config = ServerConfiguration(repository: FileManager.default.temporaryDirectory)
        config.host = "0.0.0.0"
        config.port = 0
        config.handleSignals = false
        let server = Server(configuration: config)
        #expect(throws: Server.StartError.self) { try server.start() }
    }
}
