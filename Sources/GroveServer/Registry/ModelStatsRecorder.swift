// ModelStatsRecorder: request, row and error counts and a latency histogram for one model version.

import Foundation
import GroveWire
import Histogram

final class ModelStatsRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let name: String
    private let version: UInt64
    private var requests: UInt64 = 0
    private var rows: UInt64 = 0
    private var errors: UInt64 = 0
    /// Nanoseconds, 3 significant digits, up to 60 s.
    private var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)

    init(name: String, version: UInt64) {
        self.name = name
        self.version = version
    }

    func record(rows count: Int, nanos: UInt64) {
        lock.lock()
        requests &+= 1
        rows &+= UInt64(count)
        _ = latency.record(max(1, min(nanos, 60_000_000_000)))
        lock.unlock()
    }

    func recordError() {
        lock.lock()
        requests &+= 1
        errors &+= 1
        lock.unlock()
    }

    var snapshot: ModelStats {
        lock.lock()
        defer { lock.unlock() }
        let empty = latency.totalCount == 0
        func us(_ p: Double) -> Double { empty ? 0 : Double(latency.valueAtPercentile(p)) / 1000 }
        return ModelStats(name: name, version: version, requests: requests, rows: rows, errors: errors,
                          latencyP50Micros: us(50), latencyP90Micros: us(90), latencyP99Micros: us(99),
                          latencyP999Micros: us(99.9), latencyMaxMicros: empty ? 0 : Double(latency.max) / 1000)
    }
}
