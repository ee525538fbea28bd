// HAProxyTests: deploy/haproxy/haproxy.cfg's health-check bytes against a live server, with
// Debian's haproxy (installed by scripts/bootstrap.sh): DOWN while NOT_SERVING (no model),
// UP once a model loads, DOWN again while the server drains (yet still answering).

import Foundation
import Glibc
@testable import GroveServer
import GroveWire
import Testing

@Suite(.serialized) struct HAProxyTests {
    /// haproxy -db with the deploy config, its `server` lines replaced by one for `port`;
    /// collects its log lines (state changes) as they come.
    final class HAProxy: @unchecked Sendable {
        let process = Process()
        let frontendPort: UInt16
        private let lock = NSLock()
        private var text = ""

        init(serverPort: UInt16) throws {
            let deploy = try String(contentsOf: Fixtures.root.appendingPathComponent("deploy/haproxy/haproxy.cfg"), encoding: .utf8)
            var lines = deploy.split(separator: "\n").filter { !$0.hasPrefix("    server grove") }
            lines.append("    server grove1 127.0.0.1:\(serverPort) check\n")
            let cfg = FileManager.default.temporaryDirectory.appendingPathComponent("grove-haproxy-\(UUID().uuidString).cfg")
            try lines.joined(separator: "\n").write(to: cfg, atomically: true, encoding: .utf8)
            frontendPort = try HAProxy.freePort()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/haproxy")
            process.arguments = ["-db", "-f", cfg.path]
            process.environment = ["GROVE_FRONTEND_ADDR": "127.0.0.1:\(frontendPort)"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            out.fileHandleForReading.readabilityHandler = { [weak self] h in
                let chunk = String(decoding: h.availableData, as: UTF8.self)
                guard let self else { return }
                self.lock.lock(); self.text += chunk; self.lock.unlock()
            }
            try process.run()
        }

        deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }

        var log: String { lock.lock(); defer { lock.unlock() }; return text }

        // State changes as the raw log lines on stdout (stderr repeats them after "[WARNING]").
        static let down = "\nServer grove_replicas/grove1 is DOWN"
        static let up = "\nServer grove_replicas/grove1 is UP"

        /// Waits for `needle` to appear `times` times in the log; returns the seconds it took.
        func waitFor(_ needle: String, times: Int = 1, seconds: Double = 10) -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                if log.components(separatedBy: needle).count - 1 >= times { return Date().timeIntervalSince(start) }
                usleep(20_000)
            }
            return nil
        }

        static func freePort() throws -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            return UInt16(bigEndian: addr.sin_port)
        }
    }

    @Test func theConfigsHealthBytesFollowTheServersHealth() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy"), "haproxy is installed by scripts/bootstrap.sh")
        let s = try TestServer(threads: 1, configure: { $0.drainSeconds = 3 })
        let h = try HAProxy(serverPort: s.port)
        usleep(300_000)
        try #require(h.process.isRunning, "haproxy refused the config: \(h.log)")
        // No model: NOT_SERVING, whose bytes (08 02) the check must refuse.
        #expect(h.waitFor(HAProxy.down) != nil, "\(h.log)")
        #expect(h.log.contains("TCPCHK did not match content"))
        // A model loads: SERVING, whose bytes the check must accept.
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: s.repository)
        #expect(h.waitFor(HAProxy.up) != nil, "\(h.log)")
        // Traffic through HAProxy reaches the server.
        let c = try RawClient(port: h.frontendPort)
        let p = try c.call(Request(id: 1, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))))
        #expect(p.status.code == .ok)
        // Draining: marked DOWN within fall x inter (2 x 500 ms, plus a check's jitter), while the
        // open connection through HAProxy is still answered.
        s.server.shutdown()
        let down = h.waitFor(HAProxy.down, times: 2)
        #expect(down != nil && down! < 2.0, "\(String(describing: down)) s; \(h.log)")
        #expect(try c.call(Request(id: 2, call: .health)).status.code == .ok)
    }

    /// The check carries no key, and a server with `--keys` answers Health without one: its
    /// replicas come UP as they would without keys (answered UNAUTHENTICATED, they stayed DOWN).
    @Test func theCheckPassesOnAServerWithKeys() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy"), "haproxy is installed by scripts/bootstrap.sh")
        let keys = try AuthTests.keyFile([("desk", .predict, "predict-key")])
        defer { try? FileManager.default.removeItem(at: keys) }
        let s = try TestServer(threads: 1, configure: { $0.keysFile = keys })
        let h = try HAProxy(serverPort: s.port)
        usleep(300_000)
        try #require(h.process.isRunning, "haproxy refused the config: \(h.log)")
        #expect(h.waitFor(HAProxy.down) != nil, "\(h.log)")   // no model yet: NOT_SERVING
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: s.repository)
        #expect(h.waitFor(HAProxy.up) != nil, "\(h.log)")
        // Every call but Health still needs a key, through HAProxy too.
        let c = try RawClient(port: h.frontendPort)
        let predict = Request.Call.predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))
        #expect(try c.call(Request(id: 1, call: predict)).status.code == .unauthenticated)
        #expect(try c.call(Request(id: 2, apiKey: "predict-key", call: predict)).status.code == .ok)
    }
}
