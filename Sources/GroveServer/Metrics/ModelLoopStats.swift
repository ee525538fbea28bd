// ModelLoopStats: one loop's counts and latency for one model version.

/// Written only by the loop whose slot it is (see `ModelStats.slot(_:)`), read by scrapes.
final class ModelLoopStats: Sendable {
    /// [0] predictions answered OK, [1] rows scored, [2] predictions or explanations that
    /// failed, [3] explanations answered OK, [4] rows explained.
    private let counters = SingleWriterCounters(count: 5)
    let latency = LatencyHistogram()

    func record(rows: Int, nanos: UInt64) {
        counters.add(0)
        counters.add(1, UInt64(rows))
        latency.record(nanos: nanos)
    }

    func recordError() { counters.add(2) }

    func recordExplanation(rows: Int) {
        counters.add(3)
        counters.add(4, UInt64(rows))
    }

    var predictions: UInt64 { counters.load(0) }
    var rows: UInt64 { counters.load(1) }
    var errors: UInt64 { counters.load(2) }
    var explanations: UInt64 { counters.load(3) }
    var explainedRows: UInt64 { counters.load(4) }
}
