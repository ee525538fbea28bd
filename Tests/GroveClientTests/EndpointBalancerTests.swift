// EndpointBalancerTests: the client's routing, ejection and probing decisions on an injected clock.

import Testing
@testable import GroveClient

@Suite struct EndpointBalancerTests {
    static let ms: UInt64 = 1_000_000

    func balancer(_ n: Int, _ policy: BalancingPolicy) -> EndpointBalancer {
        EndpointBalancer(endpoints: n, policy: policy, initialBackoffNanos: 50 * Self.ms, maxBackoffNanos: 400 * Self.ms)
    }

    @Test func firstAvailableSticksToTheFirstHealthyEndpoint() {
        var b = balancer(3, .firstAvailable)
        for _ in 0..<3 {
            #expect(b.choose(now: 0) == .use(0))
            b.finished(0, connectionFailed: false, now: 0)
        }
        #expect(b.choose(now: 0) == .use(0))
        b.finished(0, connectionFailed: true, now: 0)
        #expect(b.choose(now: 1) == .use(1))
        b.finished(1, connectionFailed: false, now: 1)
        // After the backoff, endpoint 0 is probed first, and gets the traffic back when SERVING.
        #expect(b.choose(now: 50 * Self.ms) == .probe(0))
        b.probeFinished(0, serving: true, now: 50 * Self.ms)
        #expect(b.choose(now: 50 * Self.ms) == .use(0))
    }

    typealias Choice = EndpointBalancer.Choice

    @Test func roundRobinRotatesOverHealthyEndpointsOnly() {
        var b = balancer(3, .roundRobin)
        var picks: [Choice] = []
        for _ in 0..<6 { let c = b.choose(now: 0); picks.append(c); if case let .use(i) = c { b.finished(i, connectionFailed: false, now: 0) } }
        #expect(picks == [.use(0), .use(1), .use(2), .use(0), .use(1), .use(2)])
        #expect(b.choose(now: 0) == .use(0))
        b.finished(0, connectionFailed: false, now: 0)
        #expect(b.choose(now: 0) == .use(1))
        b.finished(1, connectionFailed: true, now: 0)
        picks = []
        for _ in 0..<4 { let c = b.choose(now: 1); picks.append(c); if case let .use(i) = c { b.finished(i, connectionFailed: false, now: 1) } }
        #expect(picks == [.use(2), .use(0), .use(2), .use(0)])
    }

    @Test func leastOutstandingNeverPicksABusierEndpoint() {
        var b = balancer(3, .leastOutstanding)
        var busy = [0, 0, 0]
        for step in 0..<200 {
            if step % 3 == 2, let i = busy.indices.first(where: { busy[$0] > 0 }) {
                b.finished(i, connectionFailed: false, now: 0)
                busy[i] -= 1
            }
            guard case let .use(i) = b.choose(now: 0) else { Issue.record("no endpoint"); return }
            #expect(busy[i] == busy.min())
            busy[i] += 1
        }
    }

    @Test func ejectedEndpointIsProbedOnADoublingBackoff() {
        var b = balancer(2, .roundRobin)
        #expect(b.choose(now: 0) == .use(0))
        b.finished(0, connectionFailed: true, now: 0)
        #expect(!b.isHealthy(0))
        #expect(b.choose(now: 49 * Self.ms) == .use(1))         // not yet probed
        b.finished(1, connectionFailed: false, now: 49 * Self.ms)
        #expect(b.choose(now: 50 * Self.ms) == .probe(0))
        #expect(b.choose(now: 50 * Self.ms) == .use(1))         // probed once, by one caller
        b.finished(1, connectionFailed: false, now: 50 * Self.ms)
        b.probeFinished(0, serving: false, now: 60 * Self.ms)  // NOT_SERVING or refused: 100 ms now
        #expect(b.choose(now: 159 * Self.ms) == .use(1))
        b.finished(1, connectionFailed: false, now: 159 * Self.ms)
        #expect(b.choose(now: 160 * Self.ms) == .probe(0))
        b.probeFinished(0, serving: false, now: 160 * Self.ms) // 200 ms
        #expect(b.choose(now: 360 * Self.ms) == .probe(0))
        b.probeFinished(0, serving: false, now: 360 * Self.ms) // 400 ms (the maximum)
        #expect(b.choose(now: 760 * Self.ms) == .probe(0))
        b.probeFinished(0, serving: false, now: 760 * Self.ms) // still 400 ms
        #expect(b.choose(now: 1159 * Self.ms) == .use(1))
        b.finished(1, connectionFailed: false, now: 1159 * Self.ms)
        #expect(b.choose(now: 1160 * Self.ms) == .probe(0))
        b.probeFinished(0, serving: true, now: 1160 * Self.ms)
        #expect(b.isHealthy(0))
        #expect(b.choose(now: 1160 * Self.ms) == .use(0))
    }

    @Test func whenEveryEndpointIsEjectedTheCallerWaitsForTheFirstRetry() {
        var b = balancer(2, .firstAvailable)
        #expect(b.choose(now: 0) == .use(0))
        b.finished(0, connectionFailed: true, now: 0)
        #expect(b.choose(now: 10 * Self.ms) == .use(1))
        b.finished(1, connectionFailed: true, now: 10 * Self.ms)
        #expect(b.choose(now: 20 * Self.ms) == .waitUntil(50 * Self.ms))
        #expect(b.choose(now: 50 * Self.ms) == .probe(0))
        #expect(b.choose(now: 50 * Self.ms) == .waitUntil(60 * Self.ms))
    }

    @Test func aRetryAvoidsTheEndpointThatFailedUnlessItIsTheOnlyOne() {
        var b = balancer(2, .firstAvailable)
        #expect(b.choose(now: 0, avoiding: 0) == .use(1))
        // The only endpoint broke a call's connection: it is ejected, yet the one retry goes there.
        var single = balancer(1, .firstAvailable)
        #expect(single.choose(now: 0) == .use(0))
        single.finished(0, connectionFailed: true, now: 0)
        #expect(single.choose(now: 1) == .waitUntil(50 * Self.ms))
        #expect(single.choose(now: 1, avoiding: 0) == .use(0))
    }
}
