// LatencyHistogramTests: bucket boundaries, percentiles within a bucket's width, merging loops.

import Testing
@testable import GroveServer

@Suite struct LatencyHistogramTests {
    @Test func prometheusBucketsIncludeTheirUpperBound() {
        #expect(LatencyHistogram.prometheusIndex(0) == 0)
        #expect(LatencyHistogram.prometheusIndex(10_000) == 0)
        #expect(LatencyHistogram.prometheusIndex(10_001) == 1)
        #expect(LatencyHistogram.prometheusIndex(20_000) == 1)
        #expect(LatencyHistogram.prometheusIndex(20_001) == 2)
        #expect(LatencyHistogram.prometheusIndex(10_000 << 20) == 20)
        #expect(LatencyHistogram.prometheusIndex((10_000 << 20) + 1) == 21)   // overflow (+Inf only)
        #expect(LatencyHistogram.prometheusIndex(LatencyHistogram.maxNanos) == 21)
        for (k, bound) in LatencyHistogram.prometheusBoundsNanos.enumerated() {
            #expect(LatencyHistogram.prometheusIndex(bound) == k)
            #expect(LatencyHistogram.prometheusIndex(bound + 1) == k + 1)
        }
    }

    @Test func fineBucketsAreContiguousAndWithinASixteenth() {
        var previousUpper: UInt64 = 0
        for index in 1..<LatencyHistogram.fineBucketCount {
            let upper = LatencyHistogram.fineUpperBound(index)
            #expect(upper > previousUpper)
            #expect(LatencyHistogram.fineIndex(previousUpper + 1) == index)
            #expect(LatencyHistogram.fineIndex(upper) == index)
            let lower = previousUpper + 1
            #expect(Double(upper - lower) <= Double(lower) / 16 + 1)
            previousUpper = upper
        }
        #expect(previousUpper == LatencyHistogram.maxNanos)
    }

    @Test func percentilesOfMergedLoops() {
        let a = LatencyHistogram(), b = LatencyHistogram()
        for i in 1...900 { a.record(nanos: UInt64(i) * 1000) }       // 1 µs ... 900 µs
        for i in 901...1000 { b.record(nanos: UInt64(i) * 1000) }    // 901 µs ... 1 ms
        b.record(nanos: 1 << 40)                                      // clamped to maxNanos
        var merged = LatencySnapshot.empty
        merged.merge(a.snapshot())
        merged.merge(b.snapshot())
        #expect(merged.count == 1001)
        let p50 = Double(merged.valueAt(percentile: 50))
        #expect(p50 >= 500_000 && p50 <= 500_000 * (1 + 1.0 / 16))
        let p99 = Double(merged.valueAt(percentile: 99))
        #expect(p99 >= 990_000 && p99 <= 990_000 * (1 + 1.0 / 16))
        #expect(merged.valueAt(percentile: 100) == LatencyHistogram.maxNanos)
        #expect(merged.maxNanos == LatencyHistogram.maxNanos)
        #expect(merged.prometheusCounts.reduce(0, +) == 1001)
        #expect(merged.prometheusCounts[0] == 10)                     // 1...10 µs
        #expect(merged.prometheusCounts[LatencyHistogram.prometheusBucketCount - 1] == 1)
        #expect(merged.sumNanos == (1...1000).reduce(UInt64(0)) { $0 + UInt64($1) * 1000 } + LatencyHistogram.maxNanos)
    }

    @Test func anEmptyHistogramReportsZero() {
        #expect(LatencySnapshot.empty.valueAt(percentile: 99) == 0)
        #expect(LatencyHistogram().snapshot() == .empty)
    }
}
