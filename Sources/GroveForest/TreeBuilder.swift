// CART tree growing on binned features (histogram or sorted split search per node).

/// Settings shared by every tree of one training run.
struct TreeSettings: Sendable {
    var maxDepth: Int
    var minSplit: Double
    var minLeaf: Double
    var mtry: Int
    var criterion: SplitCriterion
    /// Number of classes; 0 for regression.
    var classCount: Int
    var bootstrap: Bool
    /// Features constant in a node do not count towards `mtry` (scikit-learn's rule).
    var skipConstant: Bool
}

/// One grown tree plus what the forest needs from it.
struct BuiltTree: Sendable {
    var tree: Tree
    /// Weighted impurity decrease per feature, normalised to sum 1 (or all zero).
    var importance: [Double]
    /// Bit r set when row r was drawn into the tree's bootstrap sample.
    var inBag: [UInt64]
}

/// Grows trees; one instance per worker thread (holds that worker's scratch memory).
///
/// Split search at a node: candidate features are drawn without replacement; a feature
/// whose node samples span fewer bins than twice the node size gets a dense histogram
/// (one pass over the samples for all such features), otherwise its samples are sorted
/// by bin. Both enumerate exactly the boundaries between non-empty bins, so the choice
/// only changes speed. Thresholds are midpoints between the largest training value of
/// the last bin sent left and the smallest of the next non-empty bin.
final class TreeBuilder<Code: FixedWidthInteger & UnsignedInteger> {
    private let bins: FeatureBins<Code>
    private let settings: TreeSettings
    private let labels: [Int32]
    private let targets: [Double]
    private let n: Int
    private let p: Int
    private let k: Int
    private let s: Int
    private let isRegression: Bool

    private let counts: UnsafeMutablePointer<UInt8>
    private let info: UnsafeMutablePointer<UInt32>
    private let idx: UnsafeMutablePointer<UInt32>
    private let keys: UnsafeMutablePointer<UInt64>
    private let groupBins: UnsafeMutablePointer<Int32>
    private let groupStats: UnsafeMutablePointer<Double>
    private let acc: UnsafeMutablePointer<Double>
    private let bestLeft: UnsafeMutablePointer<Double>
    private let batchFeatures: UnsafeMutablePointer<Int>
    private let batchOffsets: UnsafeMutablePointer<Int>
    private var hist: UnsafeMutablePointer<Double>
    private var histCapacity: Int
    private var perm: [Int]

    init(bins: FeatureBins<Code>, settings: TreeSettings, labels: [Int32], targets: [Double]) {
        self.bins = bins
        self.settings = settings
        self.labels = labels
        self.targets = targets
        n = bins.rowCount
        p = bins.featureCount
        isRegression = settings.classCount == 0
        k = isRegression ? 1 : settings.classCount
        s = isRegression ? 2 : settings.classCount
        counts = .allocate(capacity: max(n, 1))
        info = .allocate(capacity: max(n, 1))
        idx = .allocate(capacity: max(n, 1))
        keys = .allocate(capacity: max(n, 1))
        let maxBins = bins.maxBinCount
        groupBins = .allocate(capacity: maxBins + 1)
        groupStats = .allocate(capacity: (maxBins + 1) * s)
        acc = .allocate(capacity: s)
        bestLeft = .allocate(capacity: s)
        batchFeatures = .allocate(capacity: max(p, 1))
        batchOffsets = .allocate(capacity: max(p, 1))
        histCapacity = max(1, min(p, settings.mtry) * maxBins * s)
        hist = .allocate(capacity: histCapacity)
        perm = Array(0..<p)
    }

    deinit {
        counts.deallocate(); info.deallocate(); idx.deallocate(); keys.deallocate()
        groupBins.deallocate(); groupStats.deallocate(); acc.deallocate(); bestLeft.deallocate()
        batchFeatures.deallocate(); batchOffsets.deallocate(); hist.deallocate()
    }

    private struct Pending {
        var node: Int
        var start: Int
        var end: Int
        var depth: Int
        var statsOffset: Int
    }

    private struct Best {
        var proxy = -Double.infinity
        var feature = -1
        var b1 = 0
        var b2 = 0
    }

    /// Grows tree `treeIndex` of a forest seeded with `seed` (identical on any thread).
    func build(treeIndex: Int, seed: UInt64) -> BuiltTree {
        var rng = RandomGenerator(seed: seed, stream: UInt64(treeIndex))
        let settings = self.settings
        // Bootstrap sample as per-row counts.
        if settings.bootstrap {
            counts.initialize(repeating: 0, count: n)
            for _ in 0..<n {
                let r = rng.below(n)
                if counts[r] < 255 { counts[r] += 1 }
            }
        } else {
            counts.initialize(repeating: 1, count: n)
        }
        var inBag = [UInt64](repeating: 0, count: settings.bootstrap ? (n + 63) / 64 : 0)
        var m = 0
        for r in 0..<n where counts[r] > 0 {
            idx[m] = UInt32(truncatingIfNeeded: r)
            m += 1
            if settings.bootstrap { inBag[r >> 6] |= 1 << UInt64(r & 63) }
            if !isRegression { info[r] = UInt32(truncatingIfNeeded: labels[r]) << 8 | UInt32(counts[r]) }
        }
        var pool: [Double] = []
        pool.reserveCapacity(1024)
        for _ in 0..<s { pool.append(0) }
        for i in 0..<m {
            let r = Int(idx[i])
            if isRegression {
                let w = Double(counts[r])
                pool[0] += w
                pool[1] += w * targets[r]
            } else {
                pool[Int(labels[r])] += Double(counts[r])
            }
        }

        var tree = Tree()
        var importance = [Double](repeating: 0, count: p)
        func addNode() -> Int {
            tree.feature.append(0); tree.threshold.append(0); tree.left.append(0); tree.right.append(0)
            tree.flags.append(0); tree.cover.append(0); tree.leafOffset.append(0)
            return tree.feature.count - 1
        }
        var stack: [Pending] = [Pending(node: addNode(), start: 0, end: m, depth: 0, statsOffset: 0)]
        while let item = stack.popLast() {
            let so = item.statsOffset
            let weight = isRegression ? pool[so] : (0..<k).reduce(0.0) { $0 + pool[so + $1] }
            tree.cover[item.node] = weight
            var leaf = weight < settings.minSplit || weight < 2 * settings.minLeaf
                || (settings.maxDepth > 0 && item.depth >= settings.maxDepth)
            if !leaf && !isRegression {
                for c in 0..<k where pool[so + c] == weight { leaf = true }
            }
            var best = Best()
            var decrease = 0.0
            if !leaf {
                let parentProxy = pool.withUnsafeBufferPointer { proxyOf($0.baseAddress! + so, weight) }
                best = pool.withUnsafeBufferPointer {
                    findSplit(start: item.start, end: item.end, stats: $0.baseAddress! + so, weight: weight, rng: &rng)
                }
                decrease = best.proxy - parentProxy
                if best.feature < 0 || !(decrease > 1e-12 * (abs(parentProxy) + weight)) { leaf = true }
            }
            if leaf {
                tree.leafOffset[item.node] = UInt32(truncatingIfNeeded: tree.leafValues.count)
                if isRegression {
                    tree.leafValues.append(pool[so + 1] / weight)
                } else {
                    for c in 0..<k { tree.leafValues.append(pool[so + c] / weight) }
                }
                continue
            }
            // Split: threshold as a real value, partition the samples.
            let f = best.feature
            let off = bins.binOffset[f]
            if bins.hasMissing[f] && best.b1 == 0 {
                tree.threshold[item.node] = bins.lower[off + best.b2]
                tree.flags[item.node] = TreeNodeFlags.strictLess.rawValue
            } else {
                tree.threshold[item.node] = FeatureBinner.midpoint(bins.upper[off + best.b1], bins.lower[off + best.b2])
            }
            tree.feature[item.node] = UInt32(f)
            importance[f] += decrease
            let mid = partition(start: item.start, end: item.end, feature: f, b1: best.b1)
            let l = addNode(), r = addNode()
            tree.left[item.node] = UInt32(l)
            tree.right[item.node] = UInt32(r)
            let leftOffset = pool.count
            for c in 0..<s { pool.append(bestLeft[c]) }
            let rightOffset = pool.count
            for c in 0..<s { pool.append(pool[so + c] - bestLeft[c]) }
            stack.append(Pending(node: r, start: mid, end: item.end, depth: item.depth + 1, statsOffset: rightOffset))
            stack.append(Pending(node: l, start: item.start, end: mid, depth: item.depth + 1, statsOffset: leftOffset))
        }
        let total = importance.reduce(0, +)
        if total > 0 { for f in 0..<p { importance[f] /= total } }
        return BuiltTree(tree: tree, importance: importance, inBag: inBag)
    }

    /// Criterion proxy of a node or child (larger is better; differences are weighted
    /// impurity decreases): gini sum(c^2)/w, entropy sum(c ln(c/w)), squared error s^2/w.
    @inline(__always)
    private func proxyOf(_ st: UnsafePointer<Double>, _ w: Double) -> Double {
        if isRegression { return st[1] * st[1] / w }
        var v = 0.0
        if settings.criterion == .entropy {
            for c in 0..<k where st[c] > 0 { v += st[c] * _log(st[c] / w) }
        } else {
            for c in 0..<k { v += st[c] * st[c] }
            v /= w
        }
        return v
    }

    private func findSplit(start: Int, end: Int, stats: UnsafePointer<Double>, weight: Double,
                           rng: inout RandomGenerator) -> Best {
        var best = Best()
        let size = end - start
        var drawn = 0
        var evaluated = 0
        let mtry = settings.mtry
        while evaluated < mtry && drawn < p {
            // Draw the next batch of candidate features without replacement.
            var dense = 0
            var sparseList: [Int] = []
            let want = mtry - evaluated
            var taken = 0
            var histNeeded = 0
            while taken < want && drawn < p {
                let j = drawn + rng.below(p - drawn)
                perm.swapAt(drawn, j)
                let f = perm[drawn]
                drawn += 1
                taken += 1
                let bc = bins.binCount[f]
                if bc < 2 {
                    if !settings.skipConstant { evaluated += 1 }
                    continue
                }
                if bc <= 2 * size || bc <= 4 {
                    batchFeatures[dense] = f
                    batchOffsets[dense] = histNeeded
                    histNeeded += bc * s
                    dense += 1
                } else {
                    sparseList.append(f)
                }
            }
            if histNeeded > histCapacity {
                hist.deallocate()
                histCapacity = histNeeded
                hist = .allocate(capacity: histCapacity)
            }
            if dense > 0 {
                buildHistograms(start: start, end: end, count: dense, size: histNeeded)
                for q in 0..<dense {
                    let f = batchFeatures[q]
                    let nonEmpty = scan(feature: f, groups: bins.binCount[f], binIds: nil,
                                        stats: hist + batchOffsets[q], node: stats, weight: weight, best: &best)
                    if nonEmpty >= 2 || !settings.skipConstant { evaluated += 1 }
                }
            }
            for f in sparseList {
                let groups = sortedGroups(start: start, end: end, feature: f)
                let nonEmpty = scan(feature: f, groups: groups, binIds: groupBins, stats: groupStats,
                                    node: stats, weight: weight, best: &best)
                if nonEmpty >= 2 || !settings.skipConstant { evaluated += 1 }
            }
        }
        return best
    }

    /// Dense histograms of the batch features over samples start..<end.
    private func buildHistograms(start: Int, end: Int, count: Int, size: Int) {
        hist.initialize(repeating: 0, count: size)
        let p = self.p
        let s = self.s
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            if isRegression {
                targets.withUnsafeBufferPointer { ys in
                    for pos in start..<end {
                        let r = Int(idx[pos])
                        let w = Double(counts[r])
                        let wy = w * ys[r]
                        let row = codes + r &* p
                        for q in 0..<count {
                            let h = batchOffsets[q] &+ Int(row[batchFeatures[q]]) &* 2
                            hist[h] += w
                            hist[h &+ 1] += wy
                        }
                    }
                }
            } else {
                for pos in start..<end {
                    let r = Int(idx[pos])
                    let inf = info[r]
                    let w = Double(inf & 0xFF)
                    let c = Int(inf >> 8)
                    let row = codes + r &* p
                    for q in 0..<count {
                        hist[batchOffsets[q] &+ Int(row[batchFeatures[q]]) &* s &+ c] += w
                    }
                }
            }
        }
    }

    /// Sorts the node's samples by bin of `feature` and sums stats per non-empty bin
    /// into groupBins/groupStats; returns the number of groups.
    private func sortedGroups(start: Int, end: Int, feature f: Int) -> Int {
        let size = end - start
        let p = self.p
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            for i in 0..<size {
                let r = Int(idx[start + i])
                keys[i] = UInt64(codes[r &* p &+ f]) << 32 | UInt64(r)
            }
        }
        UnsafeMutableBufferPointer(start: keys, count: size).sort()
        var g = -1
        var lastBin: UInt64 = .max
        for i in 0..<size {
            let key = keys[i]
            let bin = key >> 32
            if bin != lastBin {
                g += 1
                lastBin = bin
                groupBins[g] = Int32(truncatingIfNeeded: bin)
                for c in 0..<s { groupStats[g * s + c] = 0 }
            }
            let r = Int(key & 0xFFFF_FFFF)
            let w = Double(counts[r])
            if isRegression {
                groupStats[g * 2] += w
                groupStats[g * 2 + 1] += w * targets[r]
            } else {
                groupStats[g * s + Int(labels[r])] += w
            }
        }
        return g + 1
    }

    /// Scans the split points between consecutive non-empty groups of one feature and
    /// updates `best`; returns the number of non-empty groups.
    @inline(__always)
    private func scan(feature f: Int, groups: Int, binIds: UnsafePointer<Int32>?, stats: UnsafePointer<Double>,
                      node: UnsafePointer<Double>, weight: Double, best: inout Best) -> Int {
        let s = self.s
        let minLeaf = settings.minLeaf
        for c in 0..<s { acc[c] = 0 }
        var wl = 0.0
        var nonEmpty = 0
        var prevBin = -1
        var localBest = -Double.infinity
        var localB1 = 0, localB2 = 0, localG = 0
        let entropy = settings.criterion == .entropy
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
                    for c in 0..<k {
                        let l = acc[c], r = node[c] - acc[c]
                        if l > 0 { proxy += l * _log(l / wl) }
                        if r > 0 { proxy += r * _log(r / wr) }
                    }
                } else if k == 2 {
                    let l0 = acc[0], l1 = acc[1]
                    let r0 = node[0] - l0, r1 = node[1] - l1
                    proxy = (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr
                } else {
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

    /// Moves samples with bin <= b1 of `feature` to the front; returns the split index.
    private func partition(start: Int, end: Int, feature f: Int, b1: Int) -> Int {
        let p = self.p
        let limit = Code(truncatingIfNeeded: b1)
        return bins.codes.withUnsafeBufferPointer { codesBuf -> Int in
            let codes = codesBuf.baseAddress!
            var i = start, j = end - 1
            while i <= j {
                if codes[Int(idx[i]) &* p &+ f] <= limit {
                    i += 1
                } else {
                    let t = idx[i]; idx[i] = idx[j]; idx[j] = t
                    j -= 1
                }
            }
            return i
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
#endif
