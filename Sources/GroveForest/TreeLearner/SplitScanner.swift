// SplitScanner: finds the best boundary between the non-empty bins of one feature, with the
// criterion's arithmetic chosen once per run (LightGBM's per-objective split finding).

/// Scans a feature's per-bin statistics (from the histogram builder) for the split with the
/// largest criterion proxy, and keeps the left child's statistics of the best split so far.
/// Owns its running sums. Criteria: gini and entropy (classification), squared error
/// (regression); two-class gini and entropy have their own scans.
///
/// The proxy (larger is better; differences are weighted impurity decreases):
/// gini sum(c^2)/w, entropy sum(c ln(c/w)), squared error s^2/w, summed over both children.
final class SplitScanner {
    private let minLeaf: Double
    /// The least integer weight >= `minLeaf` (the two-class scans' integer leaf-size test).
    private let minLeafCount: Int
    private let entropy: Bool
    private let isRegression: Bool
    /// Classes (1 for regression).
    private let k: Int
    /// Doubles per bin: classes, or 2 for regression.
    private let s: Int
    /// x ln x for x = 0...n (two-class entropy on integer weights); empty otherwise.
    private let xlogx: [Double]
    /// ln(a / b) for the entropy scans of light nodes.
    private let logRatio = LogRatioTable.shared
    private let acc: UnsafeMutablePointer<Double>
    /// The left child's statistics (`s` doubles) of the best split found.
    let bestLeft: UnsafeMutablePointer<Double>
    /// The non-empty bins of the feature being scanned, one bit each (`binCapacity` bits).
    private let binBits: UnsafeMutablePointer<UInt64>

    /// `binCapacity`: the most bins a scanned feature has.
    init(settings: TreeSettings, xlogxTable: [Double], binCapacity: Int) {
        minLeaf = settings.minLeaf
        minLeafCount = settings.minLeaf <= 0 ? 0
            : settings.minLeaf >= 0x1p52 ? Int(1) << 52 : Int(settings.minLeaf.rounded(.up))
        entropy = settings.criterion == .entropy
        isRegression = settings.classCount == 0
        k = isRegression ? 1 : settings.classCount
        s = isRegression ? 2 : settings.classCount
        xlogx = xlogxTable
        acc = .allocate(capacity: s)
        bestLeft = .allocate(capacity: s)
        binBits = .allocate(capacity: max((binCapacity + 63) / 64, 1))
    }

    deinit {
        acc.deallocate()
        bestLeft.deallocate()
        binBits.deallocate()
    }

    /// x ln x for x = 0...n, shared by all scanners of a run.
    static func xlogxTable(rowCount n: Int) -> [Double] {
        (0...max(n, 1)).map { $0 == 0 ? 0 : Double($0) * _log(Double($0)) }
    }

    /// The criterion proxy of a node with statistics `st` and weight `w`.
    @inline(__always)
    func proxy(_ st: UnsafePointer<Double>, _ w: Double) -> Double {
        if isRegression { return st[1] * st[1] / w }
        var v = 0.0
        if entropy && !xlogx.isEmpty {
            return xlogx[Int(st[0])] + xlogx[Int(st[1])] - xlogx[Int(w)]
        }
        if entropy {
            for c in 0..<k where st[c] > 0 { v += st[c] * _log(st[c] / w) }
        } else {
            for c in 0..<k { v += st[c] * st[c] }
            v /= w
        }
        return v
    }

    /// Scans packed two-class counts (`groups` bins; gini or entropy); returns the number
    /// of non-empty bins (at least 2 when the feature is not constant in the node).
    ///
    /// The non-empty bins are marked in a bit set first, without a branch per bin, and the
    /// scan then visits only the set bits: in the many small and middle-sized nodes most
    /// bins are empty, and a branch skipping them would be taken at random. The candidates,
    /// their order and their arithmetic are those of a scan over every bin.
    func scanBinaryCounts(feature f: Int, groups: Int, counts h: UnsafePointer<UInt64>, node: UnsafePointer<Double>,
                          weight: Double, best: inout SplitCandidate) -> Int {
        let bits = binBits
        for w in 0..<((groups + 63) >> 6) {
            let base = w &<< 6
            var word: UInt64 = 0
            for j in 0..<min(64, groups - base) { word |= UInt64(h[base &+ j] != 0 ? 1 : 0) &<< UInt64(j) }
            bits[w] = word
        }
        return scanBinaryMarked(feature: f, groups: groups, counts: h, bits: bits, node: node, weight: weight, best: &best)
    }

    /// `scanBinaryCounts` with the non-empty bins already marked in `bits` (a marked batch).
    func scanBinaryMarked(feature f: Int, groups: Int, counts h: UnsafePointer<UInt64>, bits: UnsafePointer<UInt64>,
                          node: UnsafePointer<Double>, weight: Double, best: inout SplitCandidate) -> Int {
        if entropy {
            // sum c ln(c / w) = sum c ln c - w ln w, from the x ln x table (bootstrap
            // weights are integers). Every index lies in 0...weight <= the table's row count
            // (counts of the node's samples): unchecked reads, wrapping integer arithmetic,
            // the same sums.
            let wi = Int(weight), t1i = Int(node[1])
            return xlogx.withUnsafeBufferPointer { table in
                let xlogx = table.baseAddress!
                return scanSetBits(feature: f, groups: groups, counts: h, bits: bits, node: node, weight: weight,
                                   best: &best) { lw, l1, _, _, _, _, _, _ in
                    let li1 = l1, lwi = lw
                    return xlogx[lwi &- li1] + xlogx[li1] - xlogx[lwi]
                        + xlogx[wi &- lwi &- (t1i &- li1)] + xlogx[t1i &- li1] - xlogx[wi &- lwi]
                }
            }
        }
        return scanSetBits(feature: f, groups: groups, counts: h, bits: bits, node: node, weight: weight,
                           best: &best) { _, _, l0, l1, r0, r1, wl, wr in
            (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr
        }
    }

    /// The groups of `scanTwoClassGroups` from packed two-class counts whose non-empty bins
    /// are marked in `bits` (ascending bins, as sorted groups): the same candidates, scored
    /// the same way. Returns the number of non-empty bins (at least 2 unless constant).
    func scanMarkedBinary(feature f: Int, groups: Int, counts h: UnsafePointer<UInt64>, bits: UnsafePointer<UInt64>,
                          node: UnsafePointer<Double>, weight: Double, best: inout SplitCandidate) -> Int {
        let tabled = weight <= Double(logRatio.limit)
        if entropy && tabled {
            // `twoClassGroupProxy`'s tabled sum without its branches: the weights are integers
            // up to the table's limit, so each ln(c / w) is read unchecked by integer index, and
            // a class weight of 0 reads entry (0, w) = +0, a term of +0. The sum is +0 or
            // negative, so adding +0 leaves its bits as skipping the term did: the same proxy.
            let wi = Int(weight), t1i = Int(node[1])
            return logRatio.withEntries { lr in
                scanSetBits(feature: f, groups: groups, counts: h, bits: bits, node: node, weight: weight,
                            best: &best) { lw, l1i, l0, l1, r0, r1, _, _ in
                    let wri = wi &- lw, r1i = t1i &- l1i
                    let left = LogRatioTable.rowStart(lw), right = LogRatioTable.rowStart(wri)
                    var proxy = 0.0
                    proxy += l0 * lr[left &+ (lw &- l1i)]
                    proxy += r0 * lr[right &+ (wri &- r1i)]
                    proxy += l1 * lr[left &+ l1i]
                    proxy += r1 * lr[right &+ r1i]
                    return proxy
                }
            }
        }
        return scanSetBits(feature: f, groups: groups, counts: h, bits: bits, node: node, weight: weight,
                           best: &best) { _, _, l0, l1, r0, r1, wl, wr in
            self.twoClassGroupProxy(l0, l1, r0, r1, wl, wr, tabled: tabled)
        }
    }

    /// The boundaries between the bins marked in `bits` (packed two-class counts in `h`; every
    /// marked bin holds a weight of at least 1), in ascending order, scored by `proxy(left
    /// weight, left class-1 weight, l0, l1, r0, r1, wl, wr)` (integer weights, and the same as
    /// doubles); keeps the best in `best`. Returns the number of marked bins.
    ///
    /// The loop keeps only the best score and its bin: the bin before it and the left side's
    /// weights are summed again once the scan is over, and only when it beats `best` (fewer
    /// live values in the loop; the same first strict maximum and the same sums).
    @inline(__always)
    private func scanSetBits(feature f: Int, groups: Int, counts h: UnsafePointer<UInt64>,
                             bits: UnsafePointer<UInt64>, node: UnsafePointer<Double>, weight: Double,
                             best: inout SplitCandidate,
                             proxy: (Int, Int, Double, Double, Double, Double, Double, Double) -> Double) -> Int {
        let wordCount = (groups + 63) >> 6
        var nonEmpty = 0
        for w in 0..<wordCount { nonEmpty &+= bits[w].nonzeroBitCount }
        if nonEmpty < 2 { return nonEmpty }
        // The weights are integers (bootstrap counts), so the leaf-size tests compare integers:
        // an integer w has w >= minLeaf exactly when w >= minLeafCount (minLeaf rounded up).
        // A boundary needs a bin on its left, i.e. a left weight of at least 1 (every marked
        // bin weighs at least 1), and scanning stops once the right side is lighter than a leaf.
        let leftMinimum = max(minLeafCount, 1)
        let wi = Int(weight)
        let leftMaximum = wi &- minLeafCount
        let t0 = node[0], t1 = node[1]
        // Running sums as Int (a count is below 2^32): a signed integer converts to Double in
        // one instruction, an unsigned one in several, and the values are the same.
        var lw = 0, l1i = 0
        var localBest = -Double.infinity
        var bestBin = -1
        scan: for w in 0..<wordCount {
            var word = bits[w]
            while word != 0 {
                let g = w &<< 6 | word.trailingZeroBitCount
                word &= word &- 1
                if lw >= leftMinimum {
                    if lw > leftMaximum { break scan }
                    let wl = Double(lw), l1 = Double(l1i), l0 = wl - l1
                    let p = proxy(lw, l1i, l0, l1, t0 - l0, t1 - l1, wl, weight - wl)
                    if p > localBest {
                        localBest = p
                        bestBin = g
                    }
                }
                let v = h[g]
                lw &+= Int(truncatingIfNeeded: v & 0xFFFF_FFFF)
                l1i &+= Int(truncatingIfNeeded: v >> 32)
            }
        }
        if localBest > best.proxy {
            // The marked bins below the best boundary's right bin: its left bin and left side.
            var left = 0, left1 = 0, b1 = 0
            sum: for w in 0..<wordCount {
                var word = bits[w]
                while word != 0 {
                    let g = w &<< 6 | word.trailingZeroBitCount
                    word &= word &- 1
                    if g == bestBin { break sum }
                    let v = h[g]
                    left &+= Int(truncatingIfNeeded: v & 0xFFFF_FFFF)
                    left1 &+= Int(truncatingIfNeeded: v >> 32)
                    b1 = g
                }
            }
            let l1 = Double(left1)
            keepTwoClass(localBest, feature: f, b1: b1, b2: bestBin, left0: Double(left) - l1, left1: l1, best: &best)
        }
        return nonEmpty
    }

    /// Scans `groups` bins of `s` doubles each (`binIds` names the bin of each group when
    /// they are sorted groups; nil: group g is bin g); returns the number of non-empty bins.
    @inline(__always)
    func scan(feature f: Int, groups: Int, binIds: UnsafePointer<Int32>?, stats: UnsafePointer<Double>,
              node: UnsafePointer<Double>, weight: Double, best: inout SplitCandidate) -> Int {
        if k == 2 && !isRegression {
            return scanTwoClassGroups(feature: f, groups: groups, binIds: binIds, stats: stats, node: node,
                                      weight: weight, best: &best)
        }
        let logRatio = self.logRatio
        let tabled = !isRegression && weight <= Double(logRatio.limit)
        let s = self.s
        let k = self.k
        let minLeaf = self.minLeaf
        for c in 0..<s { acc[c] = 0 }
        var wl = 0.0
        var nonEmpty = 0
        var prevBin = -1
        var localBest = -Double.infinity
        var localB1 = 0, localB2 = 0, localG = 0
        for g in 0..<groups {
            let st = stats + g * s
            let gw: Double
            if isRegression {
                gw = st[0]
            } else if k == 2 {
                gw = st[0] + st[1]
            } else {
                var t = 0.0
                for c in 0..<k { t += st[c] }
                gw = t
            }
            if gw == 0 { continue }
            nonEmpty += 1
            let bin = binIds.map { Int($0[g]) } ?? g
            if prevBin >= 0 && wl >= minLeaf {
                let wr = weight - wl
                if wr < minLeaf { break }
                var proxy: Double
                if isRegression {
                    let sr = node[1] - acc[1]
                    proxy = acc[1] * acc[1] / wl + sr * sr / wr
                } else if entropy {
                    proxy = 0
                    if tabled {
                        let wli = Int(wl), wri = Int(wr)
                        for c in 0..<k {
                            let l = acc[c], r = node[c] - acc[c]
                            if l > 0 { proxy += l * logRatio[Int(l), wli] }
                            if r > 0 { proxy += r * logRatio[Int(r), wri] }
                        }
                    } else {
                        for c in 0..<k {
                            let l = acc[c], r = node[c] - acc[c]
                            if l > 0 { proxy += l * _log(l / wl) }
                            if r > 0 { proxy += r * _log(r / wr) }
                        }
                    }
                } else {
                    // Gini with three or more classes (two classes took scanTwoClassGroups).
                    var sl = 0.0, sr = 0.0
                    for c in 0..<k {
                        let l = acc[c], r = node[c] - acc[c]
                        sl += l * l
                        sr += r * r
                    }
                    proxy = sl / wl + sr / wr
                }
                if proxy > localBest {
                    localBest = proxy
                    localB1 = prevBin
                    localB2 = bin
                    localG = g
                }
            }
            for c in 0..<s { acc[c] += st[c] }
            wl += gw
            prevBin = bin
        }
        if localBest > best.proxy {
            best.proxy = localBest
            best.feature = f
            best.b1 = localB1
            best.b2 = localB2
            for c in 0..<s { bestLeft[c] = 0 }
            for g in 0..<localG {
                for c in 0..<s { bestLeft[c] += stats[g * s + c] }
            }
        }
        return nonEmpty
    }

    /// Makes a feature's best two-class split the node's best when it beats it.
    @inline(__always)
    private func keepTwoClass(_ proxy: Double, feature f: Int, b1: Int, b2: Int, left0: Double, left1: Double,
                              best: inout SplitCandidate) {
        if proxy > best.proxy {
            best.proxy = proxy
            best.feature = f
            best.b1 = b1
            best.b2 = b2
            bestLeft[0] = left0
            bestLeft[1] = left1
        }
    }

    /// `scan` specialised for two classes, with the running sums in registers.
    private func scanTwoClassGroups(feature f: Int, groups: Int, binIds: UnsafePointer<Int32>?,
                                    stats: UnsafePointer<Double>, node: UnsafePointer<Double>, weight: Double,
                                    best: inout SplitCandidate) -> Int {
        let minLeaf = self.minLeaf
        let tabled = weight <= Double(logRatio.limit)
        let t0 = node[0], t1 = node[1]
        var l0 = 0.0, l1 = 0.0
        var nonEmpty = 0
        var prevBin = -1
        var localBest = -Double.infinity
        var localB1 = 0, localB2 = 0
        var bestL0 = 0.0, bestL1 = 0.0
        for g in 0..<groups {
            let a = stats[2 &* g], b = stats[2 &* g &+ 1]
            let gw = a + b
            if gw == 0 { continue }
            nonEmpty &+= 1
            let bin = binIds.map { Int($0[g]) } ?? g
            let wl = l0 + l1
            if prevBin >= 0 && wl >= minLeaf {
                let wr = weight - wl
                if wr < minLeaf { break }
                let proxy = twoClassGroupProxy(l0, l1, t0 - l0, t1 - l1, wl, wr, tabled: tabled)
                if proxy > localBest {
                    localBest = proxy
                    localB1 = prevBin
                    localB2 = bin
                    bestL0 = l0
                    bestL1 = l1
                }
            }
            l0 += a
            l1 += b
            prevBin = bin
        }
        keepTwoClass(localBest, feature: f, b1: localB1, b2: localB2, left0: bestL0, left1: bestL1, best: &best)
        return nonEmpty
    }

    /// A two-class boundary's proxy as the group scans score it: gini from the sums of
    /// squares; entropy as c ln(c / w) per class and side (in that order), with ln(c / w)
    /// from the log-ratio table when `tabled` (the node weighs at most its limit).
    @inline(__always)
    private func twoClassGroupProxy(_ l0: Double, _ l1: Double, _ r0: Double, _ r1: Double, _ wl: Double,
                                    _ wr: Double, tabled: Bool) -> Double {
        if !entropy { return (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr }
        var proxy = 0.0
        if tabled {
            let wli = Int(wl), wri = Int(wr)
            if l0 > 0 { proxy += l0 * logRatio[Int(l0), wli] }
            if r0 > 0 { proxy += r0 * logRatio[Int(r0), wri] }
            if l1 > 0 { proxy += l1 * logRatio[Int(l1), wli] }
            if r1 > 0 { proxy += r1 * logRatio[Int(r1), wri] }
        } else {
            if l0 > 0 { proxy += l0 * _log(l0 / wl) }
            if r0 > 0 { proxy += r0 * _log(r0 / wr) }
            if l1 > 0 { proxy += l1 * _log(l1 / wl) }
            if r1 > 0 { proxy += r1 * _log(r1 / wr) }
        }
        return proxy
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
#endif
