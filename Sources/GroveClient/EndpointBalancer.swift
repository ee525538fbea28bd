// EndpointBalancer: which endpoint takes the next call, which are ejected, and when to probe them.

/// The client's routing decisions as a value, tested on an injected clock (monotonic nanoseconds).
///
/// An endpoint is *healthy* until a call or connection to it fails; it is then *ejected* for a
/// backoff (initial, doubling per failure up to the maximum). When its backoff has passed, the
/// next `choose` answers `.probe(i)` once: the caller checks it with a Health call and reports
/// with `probeFinished`; SERVING makes it healthy again (backoff reset), anything else ejects it
/// for the next, doubled, backoff. Ejected and probing endpoints get no calls.
struct EndpointBalancer {
    enum Choice: Equatable {
        /// Send the call to endpoint i (counted as outstanding until `finished`).
        case use(Int)
        /// Probe endpoint i with Health, then choose again.
        case probe(Int)
        /// No endpoint can take a call before this time (all ejected or being probed).
        case waitUntil(UInt64)
    }

    private enum Health: Equatable {
        case healthy
        case ejected(retryAt: UInt64)
        case probing
    }

    private struct State {
        var health = Health.healthy
        var backoffNanos: UInt64
        var outstanding = 0
    }

    let policy: BalancingPolicy
    let initialBackoffNanos: UInt64
    let maxBackoffNanos: UInt64
    private var states: [State]
    private var rotation = 0

    init(endpoints: Int, policy: BalancingPolicy, initialBackoffNanos: UInt64, maxBackoffNanos: UInt64) {
        precondition(endpoints > 0)
        self.policy = policy
        self.initialBackoffNanos = initialBackoffNanos
        self.maxBackoffNanos = max(maxBackoffNanos, initialBackoffNanos)
        states = Array(repeating: State(backoffNanos: initialBackoffNanos), count: endpoints)
    }

    var count: Int { states.count }
    func isHealthy(_ i: Int) -> Bool { states[i].health == .healthy }
    func outstanding(_ i: Int) -> Int { states[i].outstanding }

    /// The endpoint for a new call. `avoiding`: one that just failed this call (now ejected);
    /// another healthy endpoint is preferred, but when none is left it is used once more.
    mutating func choose(now: UInt64, avoiding: Int? = nil) -> Choice {
        for i in states.indices {
            if case let .ejected(retryAt) = states[i].health, retryAt <= now {
                states[i].health = .probing
                return .probe(i)
            }
        }
        var candidates = states.indices.filter { states[$0].health == .healthy }
        if let avoiding {
            candidates.removeAll { $0 == avoiding }
            // The retry of a call whose connection broke goes elsewhere; when there is nowhere
            // else, to the same endpoint on a new connection (behind a load balancer's single
            // address, that reaches another replica).
            if candidates.isEmpty { candidates = [avoiding] }
        }
        guard !candidates.isEmpty else {
            let next = states.compactMap { s -> UInt64? in
                if case let .ejected(retryAt) = s.health { return retryAt }
                return nil
            }.min()
            return .waitUntil(next ?? now &+ initialBackoffNanos)   // all probing: look again soon
        }
        let pick: Int
        switch policy {
        case .firstAvailable:
            pick = candidates[0]
        case .roundRobin:
            pick = candidates.first { $0 >= rotation } ?? candidates[0]
            rotation = pick + 1
        case .leastOutstanding:
            let fewest = candidates.map { states[$0].outstanding }.min()!
            let tied = candidates.filter { states[$0].outstanding == fewest }
            pick = tied.first { $0 >= rotation } ?? tied[0]
            rotation = pick + 1
        }
        states[pick].outstanding += 1
        return .use(pick)
    }

    /// A call chosen with `.use(i)` ended. `connectionFailed`: the connection broke or could not
    /// be made (the endpoint is ejected); a server's error answer is not a failure of the endpoint.
    mutating func finished(_ i: Int, connectionFailed: Bool, now: UInt64) {
        states[i].outstanding -= 1
        if connectionFailed { eject(i, now: now) }
        else if states[i].health == .healthy { states[i].backoffNanos = initialBackoffNanos }
    }

    /// The Health probe of endpoint i (chosen with `.probe(i)`) ended; `serving`: it answered SERVING.
    mutating func probeFinished(_ i: Int, serving: Bool, now: UInt64) {
        if serving {
            states[i].health = .healthy
            states[i].backoffNanos = initialBackoffNanos
        } else {
            eject(i, now: now)
        }
    }

    private mutating func eject(_ i: Int, now: UInt64) {
        // A failure already ejected it (several calls failing together): keep the earlier retry time.
        if case .ejected = states[i].health { return }
        states[i].health = .ejected(retryAt: now &+ states[i].backoffNanos)
        states[i].backoffNanos = min(states[i].backoffNanos &* 2, maxBackoffNanos)
    }
}
