// LatencySnapshot: the counts of one or more LatencyHistograms at one moment, mergeable.

/// A plain value: the loops' snapshots are added together when Stats or metrics are read.
struct LatencySnapshot: Equatable, Sendable {
    var prometheusCounts: [UInt64]
    var fineCounts: [UInt64]
    var count: UInt64
    var sumNanos: UInt64
    var maxNanos: UInt64

    static let empty = LatencySnapshot(prometheusCounts: Array(repeating: 0, count: LatencyHistogram.prometheusBucketCount),
                                       fineCounts: Array(repeating: 0, count: LatencyHistogram.fineBucketCount),
                                       count: 0, sumNanos: 0, maxNanos: 0)

    mutating func merge(_ other: LatencySnapshot) {
        for i in prometheusCounts.indices { prometheusCounts[i] &+= other.prometheusCounts[i] }
        for i in fineCounts.indices { fineCounts[i] &+= other.fineCounts[i] }
        count &+= other.count
        sumNanos &+= other.sumNanos
        maxNanos = max(maxNanos, other.maxNanos)
    }

    /// The value at `percentile` (0...100) in nanoseconds: the upper bound of the bucket holding
    /// that rank (at most 6.25 % above the true value), never above the largest value seen; 0 when empty.
    func valueAt(percentile: Double) -> UInt64 {
        let total = fineCounts.reduce(0, &+)
        guard total > 0 else { return 0 }
        // The smallest rank holding `percentile` % of the values; the tiny shrink keeps float
        // error (99.9 / 100 * 1000 = 999.0000000000001) from moving it one rank up.
        let rank = max(1, UInt64((percentile / 100 * Double(total) * (1 - 1e-12)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in fineCounts.enumerated() {
            seen &+= c
            if seen >= rank { return min(LatencyHistogram.fineUpperBound(i), maxNanos) }
        }
        return maxNanos
    }
}
