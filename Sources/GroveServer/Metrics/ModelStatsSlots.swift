// ModelStatsSlots: a model version's statistics, one slot per event loop, merged when read.

import GroveWire

/// Replaces a shared, locked recorder: each loop records into its own slot (no lock, no shared
/// cache line on the request path); Stats and metrics add the slots together when read.
final class ModelStatsSlots: Sendable {
    let name: String
    let version: UInt64
    private let slots: [ModelLoopStats]

    init(name: String, version: UInt64, loops: Int) {
        self.name = name
        self.version = version
        slots = (0..<max(1, loops)).map { _ in ModelLoopStats() }
    }

    /// The slot of loop `index` (callers outside a loop, e.g. tools, use slot 0 from one thread).
    func slot(_ index: Int) -> ModelLoopStats { slots[index % slots.count] }

    struct Merged {
        var predictions: UInt64 = 0
        var rows: UInt64 = 0
        var errors: UInt64 = 0
        var explanations: UInt64 = 0
        var explainedRows: UInt64 = 0
        var latency = LatencySnapshot.empty
    }

    func merged() -> Merged {
        var m = Merged()
        for s in slots {
            m.predictions &+= s.predictions
            m.rows &+= s.rows
            m.errors &+= s.errors
            m.explanations &+= s.explanations
            m.explainedRows &+= s.explainedRows
            m.latency.merge(s.latency.snapshot())
        }
        return m
    }

    /// The Stats call's view (requests = predictions and explanations answered + failed).
    var snapshot: ModelStats {
        let m = merged()
        func us(_ p: Double) -> Double { Double(m.latency.valueAt(percentile: p)) / 1000 }
        return ModelStats(name: name, version: version, requests: m.predictions &+ m.explanations &+ m.errors, rows: m.rows &+ m.explainedRows, errors: m.errors,
                          latencyP50Micros: us(50), latencyP90Micros: us(90), latencyP99Micros: us(99),
                          latencyP999Micros: us(99.9), latencyMaxMicros: Double(m.latency.maxNanos) / 1000)
    }
}
