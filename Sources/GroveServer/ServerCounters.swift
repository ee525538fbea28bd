// ServerCounters: process-wide connection counters, and per-loop request counters summed on demand.

import Synchronization

/// Connection counts, shared by all loops (they change only on accept and close).
final class ServerCounters: Sendable {
    let connectionsOpen = Atomic<Int>(0)
    let connectionsTotal = Atomic<UInt64>(0)
}

/// Request and error counts of one loop. Only its loop writes them, so the
/// hot path never bounces a cache line between cores; Stats reads them all.
final class LoopCounters: Sendable {
    let requests = Atomic<UInt64>(0)
    let errors = Atomic<UInt64>(0)
}
