// ModelStatsSlotsTests: Stats counters and latency percentiles against a known request mix,
// recorded by two loops into their own slots and merged when read.

import Testing
@testable import GroveServer

@Suite struct ModelStatsSlotsTests {
    /// 1,000 predictions: 900 at 10 µs, 90 at 200 µs, 9 at 5 ms, 1 at 40 ms (rows 1, 2, 3, 4),
    /// and 7 errors, spread over two loops. The log-linear buckets (16 per power of two) report
    /// each percentile as its bucket's upper bound: at most 6.25 % above the true value, never
    /// below it; the maximum is exact.
    @Test func countersAndPercentilesOfAKnownMix() {
        let r = ModelStatsSlots(name: "m", version: 3, loops: 2)
        let mix: [(count: Int, micros: UInt64, rows: Int)] = [(900, 10, 1), (90, 200, 2), (9, 5_000, 3), (1, 40_000, 4)]
        var k = 0
        for (count, micros, rows) in mix {
            for _ in 0..<count { r.slot(k % 2).record(rows: rows, nanos: micros * 1000); k += 1 }
        }
        for i in 0..<7 { r.slot(i % 2).recordError() }
        let s = r.snapshot
        #expect(s.name == "m" && s.version == 3)
        #expect(s.requests == 1_007 && s.errors == 7)
        #expect(s.rows == 900 * 1 + 90 * 2 + 9 * 3 + 1 * 4)
        func near(_ value: Double, _ expected: Double) -> Bool { value >= expected && value <= expected * (1 + 1.0 / 16) }
        #expect(near(s.latencyP50Micros, 10), "p50 \(s.latencyP50Micros)")
        #expect(near(s.latencyP90Micros, 10), "p90 \(s.latencyP90Micros)")       // the 900th of 1,000 values
        #expect(near(s.latencyP99Micros, 200), "p99 \(s.latencyP99Micros)")      // the 990th
        #expect(near(s.latencyP999Micros, 5_000), "p99.9 \(s.latencyP999Micros)") // the 999th
        #expect(s.latencyMaxMicros == 40_000, "max \(s.latencyMaxMicros)")
    }

    @Test func anEmptyRecorderReportsZeros() {
        let s = ModelStatsSlots(name: "m", version: 1, loops: 2).snapshot
        #expect(s.requests == 0 && s.rows == 0 && s.errors == 0 && s.latencyP50Micros == 0 && s.latencyMaxMicros == 0)
    }
}
