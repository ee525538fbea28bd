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

    /// `v` in steps of 1 / `scale` above `lowest`, rounded half away from zero, clamped to
    /// 0...2^41 (0 for NaN and infinities). Rounds without calling libm's `round` (not inlined
    /// on the baseline x86-64 target): the truncation of x in [0, 2^41] is exact and so is its
    /// remainder, so adding one when the remainder is at least 1/2 is `x.rounded()`.
    @inline(__always)
    func quantise(_ v: Double) -> Int64 {
        let x = (v - lowest) * scale
        if !(x > 0) || x == .infinity { return 0 }
        if x >= 0x1p41 { return 1 << 41 }
        let t = Int64(x)
        return t &+ (x - Double(t) >= 0.5 ? 1 : 0)
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
