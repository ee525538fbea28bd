// Order-independent accumulation of out-of-bag predictions (fixed point, exact sums).

/// Sums, per row, the leaf outputs of the trees that did not draw the row.
///
/// Values are quantised to fixed point (2^40 steps over [lowest, highest]) and summed as
/// integers, so the totals are exact and identical in any order: each worker can add the
/// trees it grew, and merging workers gives the same result for any thread count.
final class OutOfBagAccumulator {
    let rowCount: Int
    let outputs: Int
    let lowest: Double
    let scale: Double
    private let sums: UnsafeMutablePointer<Int64>
    private let counts: UnsafeMutablePointer<Int32>

    init(rowCount: Int, outputs: Int, lowest: Double, highest: Double) {
        self.rowCount = rowCount
        self.outputs = outputs
        self.lowest = lowest
        let range = highest - lowest
        self.scale = range > 0 && range.isFinite ? 0x1p40 / range : 1
        sums = .allocate(capacity: max(rowCount * outputs, 1))
        sums.initialize(repeating: 0, count: rowCount * outputs)
        counts = .allocate(capacity: max(rowCount, 1))
        counts.initialize(repeating: 0, count: rowCount)
    }

    deinit {
        sums.deallocate()
        counts.deallocate()
    }

    @inline(__always)
    func quantise(_ v: Double) -> Int64 {
        let q = ((v - lowest) * scale).rounded()
        return q.isFinite ? Int64(max(0, min(q, 0x1p41))) : 0
    }

    /// Adds the leaf outputs `values[offsets...]` of one tree for one row.
    @inline(__always)
    func add(row: Int, values: UnsafePointer<Double>) {
        for j in 0..<outputs { sums[row * outputs + j] &+= quantise(values[j]) }
        counts[row] &+= 1
    }

    /// Adds another accumulator's totals.
    func merge(_ other: OutOfBagAccumulator) {
        for i in 0..<(rowCount * outputs) { sums[i] &+= other.sums[i] }
        for i in 0..<rowCount { counts[i] &+= other.counts[i] }
    }

    /// Mean out-of-bag output per row (row-major), NaN for rows never left out.
    func means() -> [Double] {
        var out = [Double](repeating: .nan, count: rowCount * outputs)
        for r in 0..<rowCount where counts[r] > 0 {
            let c = Double(counts[r])
            for j in 0..<outputs {
                out[r * outputs + j] = Double(sums[r * outputs + j]) / scale / c + lowest
            }
        }
        return out
    }
}
