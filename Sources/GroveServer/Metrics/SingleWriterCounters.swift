// SingleWriterCounters: a fixed block of counters that one thread bumps and any thread reads.

import Synchronization

/// Counters written by exactly one thread (an event loop) with a relaxed load and store (no
/// read-modify-write, no lock, no shared cache line with other loops), read by any thread
/// (Stats, metrics scrapes). A reader sees each counter's latest or a slightly older value.
final class SingleWriterCounters: @unchecked Sendable {  // its pointer only reaches atomics
    let count: Int
    private let values: UnsafeMutablePointer<Atomic<UInt64>>

    init(count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        for i in 0..<count { (values + i).initialize(to: Atomic(0)) }
    }

    deinit {
        values.deinitialize(count: count)
        values.deallocate()
    }

    /// Adds `n` to counter `i`. Owner thread only.
    @inline(__always)
    func add(_ i: Int, _ n: UInt64 = 1) {
        values[i].store(values[i].load(ordering: .relaxed) &+ n, ordering: .relaxed)
    }

    /// Counter `i` now. Any thread.
    func load(_ i: Int) -> UInt64 { values[i].load(ordering: .relaxed) }
}
