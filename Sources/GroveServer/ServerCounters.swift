// ServerCounters: process-wide connection counters (per-loop counters are LoopCounters).

import Synchronization

/// Connection counts, shared by all loops (they change only on accept and close).
final class ServerCounters: Sendable {
    let connectionsOpen = Atomic<Int>(0)
    let connectionsTotal = Atomic<UInt64>(0)
}
