// LatencyHistogram: a latency histogram written by one event loop and read by any thread, without locks.

import Synchronization

/// Counts durations (nanoseconds) in two sets of buckets:
///   - the Prometheus buckets, upper bounds 10 µs × 2^k for k = 0...20 (10 µs up to ~10.5 s)
///     plus the overflow: what `grove_predict_latency_seconds` exposes;
///   - log-linear buckets (16 per power of two, so within 1/16 = 6.25 % of the value) from which
///     Stats reports percentiles.
///
/// Contract: exactly one thread (the loop that owns it) calls `record`. It does plain loads and
/// stores of relaxed atomics, no read-modify-write and no lock, so recording costs a few
/// instructions and never waits. Any thread may `snapshot()` at any time; a snapshot taken while
/// the owner records may miss that one observation (each counter is read once, exactly), which
/// is what a scrape can tolerate; `LatencySnapshot.merge` adds the loops' snapshots together.
final class LatencyHistogram: @unchecked Sendable {  // its pointers only reach atomics
    /// Upper bounds of the Prometheus buckets, nanoseconds.
    static let prometheusBoundsNanos: [UInt64] = (0...20).map { 10_000 << $0 }
    static let prometheusBoundsSeconds: [Double] = prometheusBoundsNanos.map { Double($0) / 1e9 }
    /// Values above this (~68.7 s) are counted as this.
    static let maxNanos: UInt64 = (1 << 36) - 1
    /// 16 exact buckets for 0...15 ns, then 16 per power of two up to 2^36 ns.
    static let fineBucketCount = 16 + (36 - 4) * 16

    static let prometheusBucketCount = prometheusBoundsNanos.count + 1

    // Atomics cannot be copied, so not kept in Arrays: two fixed blocks, owned by this object.
    private let prometheus: UnsafeMutablePointer<Atomic<UInt64>>
    private let fine: UnsafeMutablePointer<Atomic<UInt64>>
    private let count = Atomic<UInt64>(0)
    private let sumNanos = Atomic<UInt64>(0)
    private let maxSeen = Atomic<UInt64>(0)

    init() {
        prometheus = .allocate(capacity: LatencyHistogram.prometheusBucketCount)
        for i in 0..<LatencyHistogram.prometheusBucketCount { (prometheus + i).initialize(to: Atomic(0)) }
        fine = .allocate(capacity: LatencyHistogram.fineBucketCount)
        for i in 0..<LatencyHistogram.fineBucketCount { (fine + i).initialize(to: Atomic(0)) }
    }

    deinit {
        prometheus.deinitialize(count: LatencyHistogram.prometheusBucketCount)
        prometheus.deallocate()
        fine.deinitialize(count: LatencyHistogram.fineBucketCount)
        fine.deallocate()
    }

    /// Records one duration. Owner thread only.
    func record(nanos raw: UInt64) {
        let nanos = min(raw, LatencyHistogram.maxNanos)
        Self.bump(prometheus[LatencyHistogram.prometheusIndex(nanos)])
        Self.bump(fine[LatencyHistogram.fineIndex(nanos)])
        Self.bump(count)
        sumNanos.store(sumNanos.load(ordering: .relaxed) &+ nanos, ordering: .relaxed)
        if nanos > maxSeen.load(ordering: .relaxed) { maxSeen.store(nanos, ordering: .relaxed) }
    }

    @inline(__always)
    private static func bump(_ a: borrowing Atomic<UInt64>) {
        a.store(a.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// The counts now. Safe from any thread.
    func snapshot() -> LatencySnapshot {
        LatencySnapshot(prometheusCounts: (0..<LatencyHistogram.prometheusBucketCount).map { prometheus[$0].load(ordering: .relaxed) },
                        fineCounts: (0..<LatencyHistogram.fineBucketCount).map { fine[$0].load(ordering: .relaxed) },
                        count: count.load(ordering: .relaxed),
                        sumNanos: sumNanos.load(ordering: .relaxed),
                        maxNanos: maxSeen.load(ordering: .relaxed))
    }

    /// The Prometheus bucket of `nanos`: the smallest k with nanos <= 10 µs × 2^k, or the overflow.
    static func prometheusIndex(_ nanos: UInt64) -> Int {
        let q = nanos == 0 ? 0 : (nanos - 1) / 10_000
        let k = q == 0 ? 0 : 64 - q.leadingZeroBitCount
        return min(k, prometheusBoundsNanos.count)
    }

    /// The log-linear bucket of `nanos` (at most maxNanos).
    static func fineIndex(_ nanos: UInt64) -> Int {
        if nanos < 16 { return Int(nanos) }
        let exponent = 63 - nanos.leadingZeroBitCount          // 4...35
        let top5 = Int(nanos >> UInt64(exponent - 4))          // 16...31
        return 16 + (exponent - 4) * 16 + (top5 - 16)
    }

    /// The largest value counted in fine bucket `index`.
    static func fineUpperBound(_ index: Int) -> UInt64 {
        if index < 16 { return UInt64(index) }
        let exponent = (index - 16) / 16 + 4
        let top5 = UInt64((index - 16) % 16 + 16)
        return ((top5 + 1) << UInt64(exponent - 4)) - 1
    }
}
