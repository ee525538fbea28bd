// ClientBalancingTests: GroveClient's balancing, ejection, probing and single retry, with real servers.

import Foundation
import Glibc
@testable import GroveClient
@testable import GroveServer
import GroveWire
import Testing

@Suite struct ClientBalancingTests {
    func servers(_ n: Int) throws -> [TestServer] {
        try (0..<n).map { _ in try TestServer(threads: 1, populate: { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }) }
    }

    func client(_ ports: [UInt16], _ policy: BalancingPolicy) throws -> GroveClient {
        var config = GroveClient.Configuration(endpoints: ports.map { Endpoint(host: "127.0.0.1", port: $0) })
        config.balancing = policy
        config.timeoutSeconds = 3
        return try GroveClient(configuration: config)
    }

    @Test func roundRobinSpreadsCallsEvenly() throws {
        let s = try servers(3)
        let c = try client(s.map(\.port), .roundRobin)
        for _ in 0..<30 { _ = try c.health() }
        #expect(s.map { $0.server.requestTotals.requests } == [10, 10, 10])
    }

    @Test func firstAvailableUsesOnlyTheFirst() throws {
        let s = try servers(2)
        let c = try client(s.map(\.port), .firstAvailable)
        for _ in 0..<10 { _ = try c.health() }
        #expect(s.map { $0.server.requestTotals.requests } == [10, 0])
    }

    @Test func leastOutstandingRoutesAroundAStalledEndpoint() throws {
        // Endpoint 0 accepts and never answers; one call is stuck there. Every other call goes to
        // endpoint 1, which has nothing in flight (round-robin would send half of them to 0).
        let silent = try SilentListener()
        let live = try servers(1)[0]
        let c = try client([silent.port, live.port], .leastOutstanding)
        let stuck = DispatchSemaphore(value: 0)
        Thread {
            _ = try? c.health(timeoutSeconds: 3)   // expected to time out on the silent endpoint
            stuck.signal()
        }.start()
        var waited = 0
        while c.outstanding(endpoint: 0) == 0 && waited < 200 { usleep(5_000); waited += 1 }
        try #require(c.outstanding(endpoint: 0) == 1)
        for _ in 0..<20 { #expect(try c.health(timeoutSeconds: 1).status == .serving) }
        #expect(live.server.requestTotals.requests == 20)
        #expect(c.outstanding(endpoint: 0) == 1)
        stuck.wait()
        #expect(c.outstanding(endpoint: 0) == 0 && c.isHealthy(endpoint: 0))   // a timeout does not eject
    }

    @Test func aDeadEndpointIsEjectedThenProbedBackIn() throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-eject-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
        let live = try servers(1)[0]
        let dying = try ServerProcess(repository: repo)
        let port = dying.port
        let c = try client([port, live.port], .roundRobin)
        for _ in 0..<4 { #expect(try c.health().status == .serving) }
        dying.signal(SIGKILL)
        _ = dying.waitForExit()
        // Every call still succeeds: the broken pooled connection's call is retried on the live endpoint.
        for _ in 0..<20 { #expect(try c.health().status == .serving) }
        #expect(!c.isHealthy(endpoint: 0))
        #expect(c.counters.ejections >= 1 && c.counters.retries >= 1)
        // Back on the same port: a Health probe after the backoff brings it back into rotation.
        let back = try ServerProcess(repository: repo, extraArguments: ["--port", "\(port)"])
        var healthy = false
        for _ in 0..<100 where !healthy {
            _ = try c.health()
            healthy = c.isHealthy(endpoint: 0)
            if !healthy { usleep(20_000) }
        }
        #expect(healthy)
        #expect(c.counters.probesServing >= 1)
        back.signal(SIGTERM)
        #expect(back.waitForExit() == 0)
    }

    /// The probe that brings an ejected endpoint back is a Health call with the client's own
    /// key, so a `predict`-role key must pass it (refused, the endpoint stayed ejected for good,
    /// its backoff doubling). The connection failure here is the server's own idle timeout.
    @Test func anEndpointEjectedAfterAnIdleTimeoutIsProbedBackInWithAPredictKey() throws {
        let keys = try AuthTests.keyFile([("desk", .predict, "predict-key")])
        defer { try? FileManager.default.removeItem(at: keys) }
        let populate = { (repo: URL) throws in _ = try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo) }
        let idling = try TestServer(threads: 1, configure: { $0.keysFile = keys; $0.connection.idleTimeoutNanos = 200_000_000 },
                                    populate: populate)
        let steady = try TestServer(threads: 1, configure: { $0.keysFile = keys }, populate: populate)
        var config = GroveClient.Configuration(endpoints: [idling.port, steady.port].map { Endpoint(host: "127.0.0.1", port: $0) })
        config.balancing = .roundRobin
        config.timeoutSeconds = 3
        config.apiKey = "predict-key"
        let c = try GroveClient(configuration: config)
        let predict = PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)])
        for _ in 0..<4 { #expect(try c.predict(predict).rows == 1) }
        usleep(800_000)   // endpoint 0 closes the pooled connection, idle past 200 ms
        // The pooled connection's call fails, is retried on endpoint 1, and endpoint 0 is ejected.
        for _ in 0..<2 { #expect(try c.predict(predict).rows == 1) }
        try #require(c.counters.ejections >= 1)
        var healthy = false
        for _ in 0..<100 where !healthy {
            #expect(try c.predict(predict).rows == 1)
            healthy = c.isHealthy(endpoint: 0)
            if !healthy { usleep(20_000) }
        }
        #expect(healthy, "endpoint 0 never came back: \(c.counters)")
        #expect(c.counters.probesServing >= 1)
    }

    /// A server at `--max-connections` answers a new connection RESOURCE_EXHAUSTED with id 0 and
    /// closes it: the client reads that as the server's status (not a stray answer) and, since
    /// nothing was computed, fails over as after a failed connect, ejecting the endpoint.
    @Test func aConnectionRefusedAtTheLimitFailsOverAndSaysWhy() throws {
        let full = try TestServer(threads: 1, configure: { $0.maxConnections = 1 },
                                  populate: { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) })
        let holder = try RawClient(port: full.port)
        #expect(try holder.call(Request(id: 1, call: .health)).status.code == .ok)   // the one connection
        // Alone, the refused endpoint's status is the call's error.
        let alone = try client([full.port], .firstAvailable)
        do {
            _ = try alone.health()
            Issue.record("a refused connection answered")
        } catch {
            guard case let .server(status) = error else { Issue.record("not the server's status: \(error)"); return }
            #expect(status.code == .resourceExhausted && status.message.contains("connection limit"), "\(status)")
        }
        // With another endpoint, the call is answered there and the full one is ejected.
        let live = try servers(1)[0]
        let c = try client([full.port, live.port], .firstAvailable)
        for _ in 0..<3 { #expect(try c.health().status == .serving) }
        #expect(c.connectedEndpoint?.port == live.port)
        #expect(c.counters.ejections == 1 && c.counters.retries == 0 && !c.isHealthy(endpoint: 0))
        #expect(live.server.requestTotals.requests == 3)
    }

    @Test func idempotentCallsAreRetriedOnceAndAdminCallsNever() throws {
        // The recorder reads each request and closes without answering a byte.
        let recorder = try RequestRecorder()
        let c = try client([recorder.port], .firstAvailable)
        #expect(throws: GroveClientError.self) { _ = try c.health() }
        #expect(recorder.requests().count == 2)        // sent, then retried once
        #expect(c.counters.retries == 1)
        let admin = try client([recorder.port], .firstAvailable)
        #expect(throws: GroveClientError.self) { _ = try admin.admin(.setLabel(model: "m", label: "l", version: 1)) }
        #expect(recorder.requests().count == 3)        // never repeated
        #expect(admin.counters.retries == 0)
    }
}
