// Quantile binning of encoded features, computed once per training set.

/// Bin boundaries of every feature.
///
/// A feature with NaN values in training gets bin 0 for missing; its real values use the
/// following bins. Real value v falls in bin k when cuts[k-1] < v <= cuts[k].
struct BinLayout: Sendable {
    var cuts: [[Double]]
    var hasMissing: [Bool]

    func binCount(_ f: Int) -> Int { cuts[f].count + 1 + (hasMissing[f] ? 1 : 0) }
    var maxBinCount: Int { cuts.indices.map(binCount).max() ?? 1 }
}

/// Codes of every training value (row-major) and, per bin, the smallest and largest
/// training value it holds (so split thresholds can be real feature values).
struct FeatureBins<Code: FixedWidthInteger & UnsignedInteger>: @unchecked Sendable {  // immutable once encoded; trainer threads only read
    let rowCount: Int
    let featureCount: Int
    let codes: [Code]
    let binCount: [Int]
    let binOffset: [Int]
    let lower: [Double]
    let upper: [Double]
    let hasMissing: [Bool]
    /// Per bin: the largest training value in this or any lower bin of the feature.
    let prefixUpper: [Double]
    /// Per bin: the smallest training value in this or any higher bin of the feature.
    let suffixLower: [Double]
    var maxBinCount: Int { binCount.max() ?? 1 }

    /// Threshold sending exactly the bins <= m of feature f left: between the largest
    /// training value at or below bin m and the smallest above it (or strict '<' the
    /// smallest real value when m is the missing bin). Requires values on both sides.
    func threshold(feature f: Int, bin m: Int) -> (value: Double, strict: Bool) {
        let off = binOffset[f]
        if hasMissing[f] && m == 0 { return (suffixLower[off + 1], true) }
        return (FeatureBinner.midpoint(prefixUpper[off + m], suffixLower[off + m + 1]), false)
    }

    /// For a split between non-empty node bins b1 < b2, the bin m in b1..<b2 whose upper
    /// boundary lies nearest the midpoint of the two bins' values (so the threshold is
    /// close to scikit-learn's midpoint while staying on a global bin boundary).
    ///
    /// That is the last m in b1..<b2 with m == b1 or `suffixLower[m] <= target`: found by
    /// bisection, since `suffixLower` never decreases within a feature (deep nodes' neighbouring
    /// non-empty bins lie far apart, and a walk from b1 took a step per bin between).
    func splitBin(feature f: Int, b1: Int, b2: Int) -> Int {
        let off = binOffset[f]
        if hasMissing[f] && b1 == 0 { return 0 }
        let target = FeatureBinner.midpoint(upper[off + b1], lower[off + b2])
        return suffixLower.withUnsafeBufferPointer { sl in
            var lo = b1, hi = b2 - 1
            while lo < hi {
                let mid = (lo + hi + 1) >> 1
                if sl[off + mid] <= target { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
    }
}

/// Computes bin layouts and bin codes.
enum FeatureBinner {
    /// Values used per feature to place quantile cuts (a fixed-stride sample beyond it).
    static let sampleCap = 65_536

    /// A threshold t with a <= t < b (a < b): the midpoint, or a when it rounds to b.
    @inline(__always)
    static func midpoint(_ a: Double, _ b: Double) -> Double {
        let m = a / 2 + b / 2
        return (m >= b || m < a || !m.isFinite) ? a : m
    }

    /// Cuts for every feature: quantile bins (at most `maxBins` including the missing
    /// bin), or every distinct value when `maxBins` is nil (exact splits).
    static func layout(_ m: FeatureMatrix, maxBins: Int?, threads: Int) -> BinLayout {
        let n = m.rowCount, p = m.featureCount
        var cuts = [[Double]](repeating: [], count: p)
        var missing = [Bool](repeating: false, count: p)
        let stride = maxBins == nil ? 1 : max(1, (n + sampleCap - 1) / sampleCap)
        if stride > 1 {
            // Which features have a NaN: one pass in row order (a column-wise pass would touch a
            // new cache line per value), over row chunks in parallel. (Without sampling the
            // gather below sees every value.)
            let chunk = 4_096
            let chunks = max(1, (n + chunk - 1) / chunk)
            var chunkNaN = [[Bool]](repeating: [], count: chunks)
            chunkNaN.withUnsafeMutableBufferPointer { flags in
                m.values.withUnsafeBufferPointer { vals in
                    Parallel.forEach(count: chunks, threads: threads) { c in
                        var seen = [Bool](repeating: false, count: p)
                        for r in (c * chunk)..<min(n, c * chunk + chunk) {
                            for f in 0..<p where vals[r &* p &+ f].isNaN { seen[f] = true }
                        }
                        flags[c] = seen
                    }
                }
            }
            for c in 0..<chunks { for f in 0..<p where chunkNaN[c][f] { missing[f] = true } }
        }
        // Features in groups: one pass over the rows gathers a group's sampled non-missing
        // values (a row's features of a group share cache lines; a pass per feature read a new
        // line per value).
        let group = gatherGroup
        let capacity = n / stride + 1
        cuts.withUnsafeMutableBufferPointer { cutsBuf in
            missing.withUnsafeMutableBufferPointer { missBuf in
                m.values.withUnsafeBufferPointer { vals in
                    Parallel.forEach(count: (p + group - 1) / group, threads: threads) { g in
                        let first = g * group, width = min(p, first + group) - first
                        let columns = UnsafeMutablePointer<Double>.allocate(capacity: width * capacity)
                        defer { columns.deallocate() }
                        withUnsafeTemporaryAllocation(of: Int.self, capacity: group) { filled in
                            filled.initialize(repeating: 0)
                            let base = vals.baseAddress! + first
                            for r in Swift.stride(from: 0, to: n, by: stride) {
                                let row = base + r &* p
                                for j in 0..<width {
                                    let v = row[j]
                                    columns[j &* capacity &+ filled[j]] = v
                                    filled[j] &+= v.isNaN ? 0 : 1
                                }
                            }
                            for j in 0..<width {
                                let f = first + j
                                let column = columns + j * capacity
                                if stride == 1 { missBuf[f] = filled[j] < n }
                                if filled[j] == 0 {
                                    for r in 0..<n where !vals[r * p + f].isNaN {
                                        column[0] = vals[r * p + f]
                                        filled[j] = 1
                                        break
                                    }
                                }
                                let sorted = UnsafeMutableBufferPointer(start: column, count: filled[j])
                                FeatureBinner.sortValues(sorted)
                                let hasNaN = missBuf[f]
                                cutsBuf[f] = cutPoints(sorted: UnsafeBufferPointer(sorted),
                                                       maxBins: maxBins.map { max(1, $0 - (hasNaN ? 1 : 0)) })
                            }
                        }
                    }
                }
            }
        }
        return BinLayout(cuts: cuts, hasMissing: missing)
    }

    /// Features gathered together by `layout` (eight Doubles fill a cache line).
    static let gatherGroup = 4

    /// Sorts finite or infinite (non-NaN) values ascending (`sortValues` on the array's storage).
    static func sortValues(_ v: inout [Double]) {
        v.withUnsafeMutableBufferPointer { sortValues($0) }
    }

    /// Sorts finite or infinite (non-NaN) values ascending: an LSD radix sort on
    /// order-preserving keys for large arrays (the same order as `sort()`, except that
    /// -0 comes before +0, which compare equal anyway), `sort()` for small ones.
    static func sortValues(_ buffer: UnsafeMutableBufferPointer<Double>) {
        var vals = buffer
        let n = vals.count
        if n < 1024 {
            vals.sort()
            return
        }
        // Key buffers, every entry written before it is read.
        let ka = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
        let kb = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
        defer {
            ka.deallocate()
            kb.deallocate()
        }
        // Keys, and the counts of every digit of every key in the same pass (a
        // digit's counts do not depend on the order the passes leave). Digits of
        // 11 bits: six passes (the sorted keys are the same for any digit width).
        let passes = 6, width = 11, buckets = 1 << 11
        let count = UnsafeMutablePointer<Int>.allocate(capacity: passes * buckets)
        defer { count.deallocate() }
        count.initialize(repeating: 0, count: passes * buckets)
        let mask: UInt64 = UInt64(buckets - 1)
        for i in 0..<n {
            let bits = vals[i].bitPattern
            let key = bits >> 63 != 0 ? ~bits : bits | (1 << 63)
            ka[i] = key
            for pass in 0..<passes {
                count[pass &* buckets &+ Int(truncatingIfNeeded: (key >> UInt64(pass &* width)) & mask)] &+= 1
            }
        }
        var src = ka.baseAddress!, dst = kb.baseAddress!
        for pass in 0..<passes {
            let shift = UInt64(pass * width)
            let c = count + pass &* buckets
            // A digit shared by every key leaves the order as it is.
            if c[Int(truncatingIfNeeded: (src[0] >> shift) & mask)] == n { continue }
            var sum = 0
            for d in 0..<buckets {
                let t = c[d]
                c[d] = sum
                sum += t
            }
            for i in 0..<n {
                let key = src[i]
                let d = Int(truncatingIfNeeded: (key >> shift) & mask)
                dst[c[d]] = key
                c[d] += 1
            }
            swap(&src, &dst)
        }
        for i in 0..<n {
            let key = src[i]
            vals[i] = Double(bitPattern: key >> 63 != 0 ? key & ~(1 << 63) : ~key)
        }
    }

    /// Cut points for sorted values: one bin per distinct value when they fit (or when
    /// `maxBins` is nil), else greedy quantile bins of about equal count.
    static func cutPoints(sorted v: [Double], maxBins: Int?) -> [Double] {
        v.withUnsafeBufferPointer { cutPoints(sorted: $0, maxBins: maxBins) }
    }

    /// `cutPoints` of sorted values in a buffer.
    static func cutPoints(sorted v: UnsafeBufferPointer<Double>, maxBins: Int?) -> [Double] {
        // Runs of equal values (== : -0 joins +0, the run keeps its first value), in buffers
        // sized for the worst case instead of appended to.
        let n = v.count
        let distinct = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
        defer {
            distinct.deallocate()
            counts.deallocate()
        }
        var d = 0
        for x in v {
            if d > 0 && distinct[d &- 1] == x {
                counts[d &- 1] &+= 1
            } else {
                distinct[d] = x
                counts[d] = 1
                d &+= 1
            }
        }
        if d <= 1 { return [] }
        guard let maxBins, d > maxBins else {
            return (0..<(d - 1)).map { midpoint(distinct[$0], distinct[$0 + 1]) }
        }
        var cuts: [Double] = []
        var remaining = Double(n)
        var binsLeft = Double(maxBins)
        var acc = 0.0
        for k in 0..<(d - 1) {
            acc += Double(counts[k])
            let target = remaining / binsLeft
            if acc >= target || Double(counts[k + 1]) >= target {
                cuts.append(midpoint(distinct[k], distinct[k + 1]))
                remaining -= acc
                acc = 0
                binsLeft -= 1
                if binsLeft <= 1 { break }
            }
        }
        return cuts
    }

    /// Codes all values of `m` with `layout`, in parallel over row chunks.
    static func encode<Code: FixedWidthInteger & UnsignedInteger>(_ m: FeatureMatrix, layout: BinLayout,
                                                                   as: Code.Type, threads: Int) -> FeatureBins<Code> {
        let n = m.rowCount, p = m.featureCount
        var offsets = [Int](repeating: 0, count: p + 1)
        for f in 0..<p { offsets[f + 1] = offsets[f] + layout.binCount(f) }
        let totalBins = offsets[p]
        var codes = [Code](repeating: 0, count: n * p)
        // Small chunks keep both workers busy to the end; each worker keeps its own lowest and
        // highest value per bin (min and max give the same result in any order).
        let chunk = 4_096
        let chunks = max(1, (n + chunk - 1) / chunk)
        let workers = min(max(1, threads), chunks)
        var lowers = [[Double]](repeating: [], count: workers)
        var uppers = [[Double]](repeating: [], count: workers)
        // Every feature's cuts, searched through slots (`CutTable`: the first cut at or above
        // a value, as a bisection finds it).
        let table = CutTable(cuts: layout.cuts)
        defer { table.release() }
        // Per feature, read in the inner loop through pointers (no bounds checks):
        // code shift (1 with a missing bin) and first bin offset.
        let meta = UnsafeMutablePointer<Int>.allocate(capacity: max(2 * p, 1))
        defer { meta.deallocate() }
        for f in 0..<p {
            meta[2 * f] = layout.hasMissing[f] ? 1 : 0
            meta[2 * f + 1] = offsets[f]
        }
        codes.withUnsafeMutableBufferPointer { codeBuf in
            lowers.withUnsafeMutableBufferPointer { lowBuf in
                uppers.withUnsafeMutableBufferPointer { upBuf in
                    m.values.withUnsafeBufferPointer { vals in
                        Parallel.forEachWorker(count: chunks, threads: workers) { w, c in
                            if lowBuf[w].isEmpty {
                                lowBuf[w] = [Double](repeating: .infinity, count: totalBins)
                                upBuf[w] = [Double](repeating: -.infinity, count: totalBins)
                            }
                            let start = c * chunk, end = min(n, start + chunk)
                            lowBuf[w].withUnsafeMutableBufferPointer { loBuf in
                                upBuf[w].withUnsafeMutableBufferPointer { hiBuf in
                                    let lo = loBuf.baseAddress!, hi = hiBuf.baseAddress!
                                    // Row by row (the matrix is row-major), every feature of a row.
                                    for r in start..<end {
                                        let row = vals.baseAddress! + r &* p
                                        let out = codeBuf.baseAddress! + r &* p
                                        for f in 0..<p {
                                            let fm = meta + 2 &* f
                                            let v = row[f]
                                            let bin = v.isNaN ? 0 : table.firstCutAtOrAbove(v, feature: f) &+ fm[0]
                                            out[f] = Code(truncatingIfNeeded: bin)
                                            let b = fm[1] &+ bin
                                            if v < lo[b] { lo[b] = v }
                                            if v > hi[b] { hi[b] = v }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var lower = [Double](repeating: .infinity, count: totalBins)
        var upper = [Double](repeating: -.infinity, count: totalBins)
        for w in 0..<workers where !lowers[w].isEmpty {
            for b in 0..<totalBins {
                lower[b] = min(lower[b], lowers[w][b])
                upper[b] = max(upper[b], uppers[w][b])
            }
        }
        var prefixUpper = upper
        var suffixLower = lower
        for f in 0..<p where offsets[f + 1] > offsets[f] {
            for b in (offsets[f] + 1)..<offsets[f + 1] { prefixUpper[b] = max(prefixUpper[b], prefixUpper[b - 1]) }
            for b in stride(from: offsets[f + 1] - 2, through: offsets[f], by: -1) {
                suffixLower[b] = min(suffixLower[b], suffixLower[b + 1])
            }
        }
        return FeatureBins(rowCount: n, featureCount: p, codes: codes,
                           binCount: (0..<p).map(layout.binCount), binOffset: Array(offsets.prefix(p)),
                           lower: lower, upper: upper, hasMissing: layout.hasMissing,
                           prefixUpper: prefixUpper, suffixLower: suffixLower)
    }
}
