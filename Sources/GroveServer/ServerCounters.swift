// ServerCounters: process-wide counters shared by all loops (atomics, no locks).

import Synchronization

final class ServerCounters: Sendable {
    let connectionsOpen = Atomic<Int>(0)
    let connectionsTotal = Atomic<UInt64>(0)
    let requestsTotal = Atomic<UInt64>(0)
    let errorsTotal = Atomic<UInt64>(0)
}
