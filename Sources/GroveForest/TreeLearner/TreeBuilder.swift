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
    /// x ln x for x = 0...n (entropy on integer weights).
    private let xlogx: [Double]
    /// Two classes and few enough rows for 32-bit packed counts.
    private let binary: Bool

    private let counts: UnsafeMutablePointer<UInt8>
    private let info: UnsafeMutablePointer<UInt32>
    private let packed: UnsafeMutablePointer<UInt64>
    private let idx: UnsafeMutablePointer<UInt32>
    private let keys: UnsafeMutablePointer<UInt64>
    private let spill: UnsafeMutablePointer<UInt32>
    private let oobIdx: UnsafeMutablePointer<UInt32>
    private let oobLeaf: UnsafeMutablePointer<UInt32>
    private let groupBins: UnsafeMutablePointer<Int32>
    private let groupStats: UnsafeMutablePointer<Double>
    private let acc: UnsafeMutablePointer<Double>
    private let bestLeft: UnsafeMutablePointer<Double>
    private let batchFeatures: UnsafeMutablePointer<Int>
    private let batchOffsets: UnsafeMutablePointer<Int>
    private var hist: UnsafeMutablePointer<Double>
    private var histCapacity: Int
    private var perm: [Int]
    /// Known-constant feature bit sets of the pending nodes (`words` words each).
    private var constantPool: [UInt64] = []
    private var words: Int { (p + 63) / 64 }
    /// Nodes at least this large build two-copy histograms (measured).
    private let twoCopyMin = 512
    /// A feature gets a dense histogram when its bin count <= denseFactor x node size,
    /// else its node samples are sorted by bin (measured crossover).
    private let denseFactor = 4

    /// x ln x for x = 0...n, shared by all builders of a run.
    static func xlogxTable(rowCount n: Int) -> [Double] {
        (0...max(n, 1)).map { $0 == 0 ? 0 : Double($0) * _log(Double($0)) }
    }

    init(bins: FeatureBins<Code>, settings: TreeSettings, labels: [Int32], targets: [Double], xlogxTable: [Double]) {
        self.bins = bins
        self.settings = settings
        self.labels = labels
        self.targets = targets
        n = bins.rowCount
        p = bins.featureCount
        isRegression = settings.classCount == 0
        k = isRegression ? 1 : settings.classCount
        binary = k == 2 && !isRegression && bins.rowCount < (1 << 23)
        xlogx = binary && settings.criterion == .entropy ? xlogxTable : []
        s = isRegression ? 2 : settings.classCount
        counts = .allocate(capacity: max(n, 1))
        info = .allocate(capacity: max(n, 1))
        packed = .allocate(capacity: max(n, 1))
        idx = .allocate(capacity: max(n, 1))
        keys = .allocate(capacity: max(n, 1))
        spill = .allocate(capacity: max(n, 1))
        oobIdx = .allocate(capacity: max(n, 1))
        oobLeaf = .allocate(capacity: max(n, 1))
        let maxBins = bins.maxBinCount
        groupBins = .allocate(capacity: maxBins + 1)
        groupStats = .allocate(capacity: (maxBins + 1) * s)
        acc = .allocate(capacity: s)
        bestLeft = .allocate(capacity: s)
        batchFeatures = .allocate(capacity: max(p, 1))
        batchOffsets = .allocate(capacity: max(p, 1))
        histCapacity = max(1, 2 * min(p, settings.mtry) * maxBins * s)
        hist = .allocate(capacity: histCapacity)
        perm = Array(0..<p)
    }

    deinit {
        counts.deallocate(); info.deallocate(); packed.deallocate(); idx.deallocate(); keys.deallocate(); spill.deallocate(); oobIdx.deallocate(); oobLeaf.deallocate()
        groupBins.deallocate(); groupStats.deallocate(); acc.deallocate(); bestLeft.deallocate()
        batchFeatures.deallocate(); batchOffsets.deallocate(); hist.deallocate()
    }

    private struct Pending {
        var node: Int
        var start: Int
        var end: Int
        var depth: Int
        var statsOffset: Int
        /// Offset of the node's known-constant feature bit set in `constantPool`.
        var constantOffset: Int
        var oobStart: Int
        var oobEnd: Int
    }

    private struct Best {
        var proxy = -Double.infinity
        var feature = -1
        var b1 = 0
        var b2 = 0
    }

    /// Grows tree `treeIndex` of a forest seeded with `seed` (identical on any thread).
    /// With `outOfBag`, the rows left out of the bootstrap sample travel down the same
    /// splits (on bin codes, which agree with the raw thresholds for training rows) and
    /// their leaf outputs are added to it.
    func build(treeIndex: Int, seed: UInt64, outOfBag: OutOfBagAccumulator? = nil) -> BuiltTree {
        var rng = RandomGenerator(seed: seed, stream: UInt64(treeIndex))
        let settings = self.settings
        for f in 0..<p { perm[f] = f }
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
        var m = 0
        var mo = 0
        for r in 0..<n {
            if counts[r] > 0 {
                idx[m] = UInt32(truncatingIfNeeded: r)
                m += 1
                    if !isRegression { info[r] = UInt32(truncatingIfNeeded: labels[r]) << 8 | UInt32(counts[r]) }
                if binary { packed[r] = UInt64(counts[r]) | (labels[r] == 1 ? UInt64(counts[r]) << 32 : 0) }
            } else if outOfBag != nil {
                oobIdx[mo] = UInt32(truncatingIfNeeded: r)
                mo += 1
            }
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

        constantPool.removeAll(keepingCapacity: true)
        constantPool.append(contentsOf: repeatElement(0, count: words))
        var tree = Tree()
        var importance = [Double](repeating: 0, count: p)
        func addNode() -> Int {
            tree.feature.append(0); tree.threshold.append(0); tree.left.append(0); tree.right.append(0)
            tree.flags.append(0); tree.cover.append(0); tree.leafOffset.append(0)
            return tree.feature.count - 1
        }
        var stack: [Pending] = [Pending(node: addNode(), start: 0, end: m, depth: 0, statsOffset: 0, constantOffset: 0, oobStart: 0, oobEnd: mo)]
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
                best = pool.withUnsafeBufferPointer { st in
                    constantPool.withUnsafeMutableBufferPointer { cp in
                        findSplit(start: item.start, end: item.end, stats: st.baseAddress! + so, weight: weight,
                                  constant: cp.baseAddress! + item.constantOffset, rng: &rng)
                    }
                }
                decrease = best.proxy - parentProxy
                if best.feature < 0 || !(decrease > 1e-12 * (abs(parentProxy) + weight)) { leaf = true }
            }
            if leaf {
                tree.leafOffset[item.node] = UInt32(truncatingIfNeeded: tree.leafValues.count)
                let first = tree.leafValues.count
                if isRegression {
                    tree.leafValues.append(pool[so + 1] / weight)
                } else {
                    for c in 0..<k { tree.leafValues.append(pool[so + c] / weight) }
                }
                for i in item.oobStart..<item.oobEnd { oobLeaf[Int(oobIdx[i])] = UInt32(truncatingIfNeeded: first) }
                continue
            }
            // Split on a global bin boundary (so a walk on bin codes and a walk on raw
            // values agree for every training row); threshold as a real value.
            let f = best.feature
            let m = bins.splitBin(feature: f, b1: best.b1, b2: best.b2)
            let (threshold, strict) = bins.threshold(feature: f, bin: m)
            tree.threshold[item.node] = threshold
            if strict { tree.flags[item.node] = TreeNodeFlags.strictLess.rawValue }
            tree.feature[item.node] = UInt32(f)
            importance[f] += decrease
            let mid = partition(idx, start: item.start, end: item.end, feature: f, b1: m)
            let oobMid = partition(oobIdx, start: item.oobStart, end: item.oobEnd, feature: f, b1: m)
            let l = addNode(), r = addNode()
            tree.left[item.node] = UInt32(l)
            tree.right[item.node] = UInt32(r)
            let leftOffset = pool.count
            for c in 0..<s { pool.append(bestLeft[c]) }
            let rightOffset = pool.count
            for c in 0..<s { pool.append(pool[so + c] - bestLeft[c]) }
            // Children inherit the features found constant here (both share one copy).
            let constantOffset = constantPool.count
            for w in 0..<words { constantPool.append(constantPool[item.constantOffset + w]) }
            stack.append(Pending(node: r, start: mid, end: item.end, depth: item.depth + 1, statsOffset: rightOffset,
                                 constantOffset: constantOffset,
                                 oobStart: oobMid, oobEnd: item.oobEnd))
            stack.append(Pending(node: l, start: item.start, end: mid, depth: item.depth + 1, statsOffset: leftOffset,
                                 constantOffset: constantOffset,
                                 oobStart: item.oobStart, oobEnd: oobMid))
        }
        if let outOfBag {
            // Rows in ascending order: the accumulator is written sequentially.
            tree.leafValues.withUnsafeBufferPointer { v in
                for r in 0..<n where counts[r] == 0 {
                    outOfBag.add(row: r, values: v.baseAddress! + Int(oobLeaf[r]))
                }
            }
        }
        let total = importance.reduce(0, +)
        if total > 0 { for f in 0..<p { importance[f] /= total } }
        return BuiltTree(tree: tree, importance: importance)
    }

    /// Criterion proxy of a node or child (larger is better; differences are weighted
    /// impurity decreases): gini sum(c^2)/w, entropy sum(c ln(c/w)), squared error s^2/w.
    @inline(__always)
    private func proxyOf(_ st: UnsafePointer<Double>, _ w: Double) -> Double {
        if isRegression { return st[1] * st[1] / w }
        var v = 0.0
        if settings.criterion == .entropy && !xlogx.isEmpty {
            return xlogx[Int(st[0])] + xlogx[Int(st[1])] - xlogx[Int(w)]
        }
        if settings.criterion == .entropy {
            for c in 0..<k where st[c] > 0 { v += st[c] * _log(st[c] / w) }
        } else {
            for c in 0..<k { v += st[c] * st[c] }
            v /= w
        }
        return v
    }

    private func findSplit(start: Int, end: Int, stats: UnsafePointer<Double>, weight: Double,
                           constant: UnsafeMutablePointer<UInt64>,
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
                if settings.skipConstant && constant[f >> 6] & (1 << UInt64(f & 63)) != 0 { taken -= 1; continue }
                if bc < 2 {
                    if !settings.skipConstant { evaluated += 1 }
                    continue
                }
                if bc <= denseFactor * size || bc <= 8 {
                    batchFeatures[dense] = f
                    batchOffsets[dense] = histNeeded
                    histNeeded += bc * (binary ? 1 : s)
                    dense += 1
                } else {
                    sparseList.append(f)
                }
            }
            if 2 * histNeeded > histCapacity {
                hist.deallocate()
                histCapacity = 2 * histNeeded
                hist = .allocate(capacity: histCapacity)
            }
            if dense > 0 {
                if binary {
                    let counts64 = UnsafeMutableRawPointer(hist).bindMemory(to: UInt64.self, capacity: histNeeded)
                    buildBinaryHistograms(counts64, start: start, end: end, count: dense, size: histNeeded)
                    for q in 0..<dense {
                        let f = batchFeatures[q]
                        let nonEmpty = scanBinaryCounts(feature: f, counts: counts64 + batchOffsets[q],
                                                        node: stats, weight: weight, best: &best)
                        if nonEmpty >= 2 || !settings.skipConstant { evaluated += 1 } else { constant[f >> 6] |= 1 << UInt64(f & 63) }
                    }
                    UnsafeMutableRawPointer(hist).bindMemory(to: Double.self, capacity: histNeeded)
                } else {
                    buildHistograms(start: start, end: end, count: dense, size: histNeeded)
                    for q in 0..<dense {
                        let f = batchFeatures[q]
                        let nonEmpty = scan(feature: f, groups: bins.binCount[f], binIds: nil,
                                            stats: hist + batchOffsets[q], node: stats, weight: weight, best: &best)
                        if nonEmpty >= 2 || !settings.skipConstant { evaluated += 1 } else { constant[f >> 6] |= 1 << UInt64(f & 63) }
                    }
                }
            }
            for f in sparseList {
                let groups = sortedGroups(start: start, end: end, feature: f)
                let nonEmpty = scan(feature: f, groups: groups, binIds: groupBins, stats: groupStats,
                                    node: stats, weight: weight, best: &best)
                if nonEmpty >= 2 || !settings.skipConstant { evaluated += 1 } else { constant[f >> 6] |= 1 << UInt64(f & 63) }
            }
        }
        return best
    }

    /// Two-class dense histograms as packed integer counts: per bin, the low 32 bits
    /// hold the bootstrap weight and the high 32 bits the weight of class 1 (one 64-bit
    /// add per sample and feature).
    private func buildBinaryHistograms(_ h: UnsafeMutablePointer<UInt64>, start: Int, end: Int, count: Int, size: Int) {
        let p = self.p
        let twoCopies = end - start >= twoCopyMin
        h.initialize(repeating: 0, count: twoCopies ? 2 * size : size)
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            if twoCopies {
                // Even and odd samples into separate copies: fewer store-to-load chains
                // when neighbouring samples share a bin.
                let h2 = h + size
                var pos = start
                while pos + 1 < end {
                    let r0 = Int(idx[pos]), r1 = Int(idx[pos + 1])
                    let inc0 = packed[r0], inc1 = packed[r1]
                    let row0 = codes + r0 &* p, row1 = codes + r1 &* p
                    for q in 0..<count {
                        let o = batchOffsets[q], f = batchFeatures[q]
                        h[o &+ Int(row0[f])] &+= inc0
                        h2[o &+ Int(row1[f])] &+= inc1
                    }
                    pos += 2
                }
                if pos < end {
                    let r = Int(idx[pos])
                    let row = codes + r &* p
                    for q in 0..<count { h[batchOffsets[q] &+ Int(row[batchFeatures[q]])] &+= packed[r] }
                }
                for i in 0..<size { h[i] &+= h2[i] }
            } else {
                for pos in start..<end {
                    let r = Int(idx[pos])
                    let inc = packed[r]
                    let row = codes + r &* p
                    for q in 0..<count {
                        h[batchOffsets[q] &+ Int(row[batchFeatures[q]])] &+= inc
                    }
                }
            }
        }
    }

    /// `scan` for packed two-class counts (gini or entropy).
    private func scanBinaryCounts(feature f: Int, counts h: UnsafePointer<UInt64>, node: UnsafePointer<Double>,
                                  weight: Double, best: inout Best) -> Int {
        let minLeaf = settings.minLeaf
        let entropy = settings.criterion == .entropy
        let t0 = node[0], t1 = node[1]
        var lw: UInt64 = 0, l1i: UInt64 = 0
        var nonEmpty = 0
        var prevBin = -1
        var localBest = -Double.infinity
        var localB1 = 0, localB2 = 0
        var bestL0 = 0.0, bestL1 = 0.0
        let groups = bins.binCount[f]
        for g in 0..<groups {
            let v = h[g]
            if v == 0 { continue }
            nonEmpty &+= 1
            let wl = Double(lw)
            if prevBin >= 0 && wl >= minLeaf {
                let wr = weight - wl
                if wr < minLeaf { break }
                let l1 = Double(l1i), l0 = wl - l1
                let r0 = t0 - l0, r1 = t1 - l1
                let proxy: Double
                if entropy {
                    // sum c ln(c / w) = sum c ln c - w ln w, from the x ln x table
                    // (bootstrap weights are integers).
                    let li1 = Int(l1i), lwi = Int(lw), wi = Int(weight)
                    let t1i = Int(t1)
                    proxy = xlogx[lwi - li1] + xlogx[li1] - xlogx[lwi]
                        + xlogx[wi - lwi - (t1i - li1)] + xlogx[t1i - li1] - xlogx[wi - lwi]
                } else {
                    proxy = (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr
                }
                if proxy > localBest {
                    localBest = proxy
                    localB1 = prevBin
                    localB2 = g
                    bestL0 = l0
                    bestL1 = l1
                }
            }
            lw &+= v & 0xFFFF_FFFF
            l1i &+= v >> 32
            prevBin = g
        }
        if localBest > best.proxy {
            best.proxy = localBest
            best.feature = f
            best.b1 = localB1
            best.b2 = localB2
            bestLeft[0] = bestL0
            bestLeft[1] = bestL1
        }
        return nonEmpty
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
        if size <= 64 {
            for i in 1..<max(size, 1) {
                let key = keys[i]
                var j = i
                while j > 0 && keys[j - 1] > key {
                    keys[j] = keys[j - 1]
                    j -= 1
                }
                keys[j] = key
            }
        } else {
            var sortable = UnsafeMutableBufferPointer(start: keys, count: size)
            sortable.sort()
        }
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
        if k == 2 && !isRegression && settings.criterion == .gini {
            return scanBinaryGini(feature: f, groups: groups, binIds: binIds, stats: stats, node: node,
                                  weight: weight, best: &best)
        }
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

    /// `scan` specialised for two classes and gini, with the running sums in registers.
    private func scanBinaryGini(feature f: Int, groups: Int, binIds: UnsafePointer<Int32>?, stats: UnsafePointer<Double>,
                                node: UnsafePointer<Double>, weight: Double, best: inout Best) -> Int {
        let minLeaf = settings.minLeaf
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
                let r0 = t0 - l0, r1 = t1 - l1
                let proxy = (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr
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
        if localBest > best.proxy {
            best.proxy = localBest
            best.feature = f
            best.b1 = localB1
            best.b2 = localB2
            bestLeft[0] = bestL0
            bestLeft[1] = bestL1
        }
        return nonEmpty
    }

    /// Moves samples with bin <= b1 of `feature` to the front, keeping each side in
    /// ascending row order (so later passes read the codes in address order); returns
    /// the split index.
    private func partition(_ idx: UnsafeMutablePointer<UInt32>, start: Int, end: Int, feature f: Int, b1: Int) -> Int {
        let p = self.p
        let limit = Code(truncatingIfNeeded: b1)
        return bins.codes.withUnsafeBufferPointer { codesBuf -> Int in
            let codes = codesBuf.baseAddress!
            var w = start
            var t = 0
            for i in start..<end {
                let r = idx[i]
                let goesLeft = codes[Int(r) &* p &+ f] <= limit ? 1 : 0
                idx[w] = r
                spill[t] = r
                w &+= goesLeft
                t &+= 1 &- goesLeft
            }
            (idx + w).update(from: spill, count: t)
            return w
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
