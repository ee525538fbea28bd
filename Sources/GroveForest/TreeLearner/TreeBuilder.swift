// TreeBuilder: grows one CART tree on binned features by orchestrating the learner's parts
// (after LightGBM's serial_tree_learner): BootstrapSampler, DataPartition, FeatureSampler,
// HistogramBuilder and SplitScanner.

/// Grows trees; one instance per worker thread (its parts hold that worker's scratch memory).
///
/// A tree: draw the bootstrap sample; then, depth first from the root, find each node's best
/// split over up to `mtry` candidate features drawn without replacement (features constant
/// in the node do not count with `skipConstant`), split the node's samples and out-of-bag
/// rows, or make it a leaf. A candidate feature's statistics come from a dense histogram
/// (packed integer counts for two classes) or from its samples grouped by bin (sorted, or for
/// two classes packed counts with the non-empty bins marked), as `settings.paths` decides; both enumerate exactly the boundaries between non-empty bins,
/// so the choice only changes speed. Thresholds are midpoints between the largest training
/// value of the last bin sent left and the smallest of the next non-empty bin.
final class TreeBuilder<Code: FixedWidthInteger & UnsignedInteger> {
    private let bins: FeatureBins<Code>
    private let settings: TreeSettings
    private let labels: [Int32]
    private let targets: [Double]
    private let n: Int
    private let p: Int
    /// Classes (1 for regression).
    private let k: Int
    /// Doubles of statistics per node or bin: classes, or 2 (weight, weighted target sum).
    private let s: Int
    private let isRegression: Bool
    /// Two classes and few enough rows for 32-bit packed counts.
    private let binary: Bool

    private let sampler: BootstrapSampler
    private let partition: DataPartition<Code>
    /// The feature sampler; `build` works on a local copy swapped out of here (as the constant
    /// sets: a stored property mutated in findSplit cost two exclusivity-check calls per draw).
    private var features: FeatureSampler
    private let histograms: HistogramBuilder<Code>
    private let scanner: SplitScanner
    /// Known-constant feature bit sets of the pending nodes (`words` words each). `build` works
    /// on a local copy swapped out of here (keeping the capacity between trees): a stored
    /// property held across findSplit would cost two exclusivity-check calls per node.
    private var constantPoolStorage: [UInt64] = []
    /// The node statistics' storage, kept between trees as `constantPoolStorage` is.
    private var poolStorage: [Double] = []
    /// Nodes of the last tree this builder grew: the next tree's arrays are reserved for about
    /// as many (grown by doubling, each array was copied at every step).
    private var lastNodeCount = 0
    /// A node batch's candidate features that take sorted groups or marked bins (at most p).
    private let sparseList: UnsafeMutablePointer<Int>
    private var words: Int { (p + 63) / 64 }

    /// x ln x for x = 0...n, shared by all builders of a run.
    static func xlogxTable(rowCount n: Int) -> [Double] {
        SplitScanner.xlogxTable(rowCount: n)
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
        s = isRegression ? 2 : settings.classCount
        sampler = BootstrapSampler(rowCount: n)
        partition = DataPartition(bins: bins)
        features = FeatureSampler(featureCount: p)
        histograms = HistogramBuilder(bins: bins, sampler: sampler, partition: partition, labels: labels,
                                      targets: targets, statsWidth: s, isRegression: isRegression, mtry: settings.mtry)
        sparseList = .allocate(capacity: max(p, 1))
        scanner = SplitScanner(settings: settings,
                               xlogxTable: binary && settings.criterion == .entropy ? xlogxTable : [],
                               binCapacity: bins.maxBinCount)
    }

    deinit { sparseList.deallocate() }

    /// Grows tree `treeIndex` of a forest seeded with `seed` (identical on any thread).
    /// With `outOfBag`, the rows left out of the bootstrap sample travel down the same
    /// splits (on bin codes, which agree with the raw thresholds for training rows) and
    /// their leaf outputs are added to it.
    func build(treeIndex: Int, seed: UInt64, outOfBag: OutOfBagAccumulator? = nil) -> BuiltTree {
        var rng = RandomGenerator(seed: seed, stream: UInt64(treeIndex))
        let settings = self.settings
        var candidates = FeatureSampler(featureCount: 0)
        swap(&candidates, &features)
        defer { swap(&candidates, &features) }
        candidates.resetForTree()
        sampler.draw(bootstrap: settings.bootstrap, rng: &rng)
        partition.reset(counts: sampler.counts, trackOutOfBag: outOfBag != nil)
        sampler.prepareWeights(labels: labels, classification: !isRegression, binary: binary)
        let m = partition.inBagCount, mo = partition.outOfBagCount
        let idx = partition.indices, counts = sampler.counts
        // Statistics of every node, `s` doubles each: class weights, or (weight, weighted target sum).
        var pool: [Double] = []
        swap(&pool, &poolStorage)
        defer { swap(&pool, &poolStorage) }
        pool.removeAll(keepingCapacity: true)
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

        var constantPool: [UInt64] = []
        swap(&constantPool, &constantPoolStorage)
        defer { swap(&constantPool, &constantPoolStorage) }
        constantPool.removeAll(keepingCapacity: true)
        constantPool.append(contentsOf: repeatElement(0, count: words))
        var tree = Tree()
        let expected = lastNodeCount + lastNodeCount / 8
        if expected > 0 {
            tree.feature.reserveCapacity(expected); tree.threshold.reserveCapacity(expected)
            tree.left.reserveCapacity(expected); tree.right.reserveCapacity(expected)
            tree.flags.reserveCapacity(expected); tree.cover.reserveCapacity(expected)
            tree.leafOffset.reserveCapacity(expected)
            tree.leafValues.reserveCapacity((expected / 2 + 1) * (isRegression ? 1 : k))
        }
        var importance = [Double](repeating: 0, count: p)
        func addNode() -> Int {
            tree.feature.append(0); tree.threshold.append(0); tree.left.append(0); tree.right.append(0)
            tree.flags.append(0); tree.cover.append(0); tree.leafOffset.append(0)
            return tree.feature.count - 1
        }
        var stack = [NodeTask(node: addNode(), start: 0, end: m, depth: 0, statsOffset: 0, constantOffset: 0, oobStart: 0, oobEnd: mo)]
        while let item = stack.popLast() {
            let so = item.statsOffset
            let weight = isRegression ? pool[so] : (0..<k).reduce(0.0) { $0 + pool[so + $1] }
            tree.cover[item.node] = weight
            var leaf = weight < settings.minSplit || weight < 2 * settings.minLeaf
                || (settings.maxDepth > 0 && item.depth >= settings.maxDepth)
            if !leaf && !isRegression {
                for c in 0..<k where pool[so + c] == weight { leaf = true }
            }
            var best = SplitCandidate()
            var decrease = 0.0
            if !leaf {
                let parentProxy = pool.withUnsafeBufferPointer { scanner.proxy($0.baseAddress! + so, weight) }
                best = pool.withUnsafeBufferPointer { st in
                    constantPool.withUnsafeMutableBufferPointer { cp in
                        findSplit(start: item.start, end: item.end, stats: st.baseAddress! + so, weight: weight,
                                  constant: cp.baseAddress! + item.constantOffset, features: &candidates, rng: &rng)
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
                for i in item.oobStart..<item.oobEnd {
                    partition.outOfBagLeaf[Int(partition.outOfBag[i])] = UInt32(truncatingIfNeeded: first)
                }
                continue
            }
            // Split on a global bin boundary (so a walk on bin codes and a walk on raw
            // values agree for every training row); threshold as a real value.
            let f = best.feature
            let splitBin = bins.splitBin(feature: f, b1: best.b1, b2: best.b2)
            let (threshold, strict) = bins.threshold(feature: f, bin: splitBin)
            tree.threshold[item.node] = threshold
            if strict { tree.flags[item.node] = TreeNodeFlags.strictLess.rawValue }
            tree.feature[item.node] = UInt32(f)
            importance[f] += decrease
            let mid = partition.split(start: item.start, end: item.end, feature: f, bin: splitBin)
            let oobMid = partition.splitOutOfBag(start: item.oobStart, end: item.oobEnd, feature: f, bin: splitBin)
            let l = addNode(), r = addNode()
            tree.left[item.node] = UInt32(l)
            tree.right[item.node] = UInt32(r)
            let bestLeft = scanner.bestLeft
            let leftOffset = pool.count
            for c in 0..<s { pool.append(bestLeft[c]) }
            let rightOffset = pool.count
            for c in 0..<s { pool.append(pool[so + c] - bestLeft[c]) }
            // Children inherit the features found constant here (both share one copy).
            let constantOffset = constantPool.count
            for w in 0..<words { constantPool.append(constantPool[item.constantOffset + w]) }
            stack.append(NodeTask(node: r, start: mid, end: item.end, depth: item.depth + 1, statsOffset: rightOffset,
                                  constantOffset: constantOffset, oobStart: oobMid, oobEnd: item.oobEnd))
            stack.append(NodeTask(node: l, start: item.start, end: mid, depth: item.depth + 1, statsOffset: leftOffset,
                                  constantOffset: constantOffset, oobStart: item.oobStart, oobEnd: oobMid))
        }
        if let outOfBag {
            // Rows in ascending order: the accumulator is written sequentially (from the list,
            // not by testing every row's count: that branch is taken at random).
            let rows = partition.outOfBagAscending, leafOf = partition.outOfBagLeaf
            tree.leafValues.withUnsafeBufferPointer { v in
                for i in 0..<mo {
                    let r = Int(rows[i])
                    outOfBag.add(row: r, values: v.baseAddress! + Int(leafOf[r]))
                }
            }
        }
        let total = importance.reduce(0, +)
        if total > 0 { for f in 0..<p { importance[f] /= total } }
        lastNodeCount = tree.nodeCount
        return BuiltTree(tree: tree, importance: importance)
    }

    /// The best split of the node holding samples start..<end, over up to `mtry` candidate
    /// features; marks the features found constant here in `constant`.
    private func findSplit(start: Int, end: Int, stats: UnsafePointer<Double>, weight: Double,
                           constant: UnsafeMutablePointer<UInt64>, features: inout FeatureSampler,
                           rng: inout RandomGenerator) -> SplitCandidate {
        var best = SplitCandidate()
        let size = end - start
        var evaluated = 0
        let mtry = settings.mtry
        let skipConstant = settings.skipConstant
        let paths = settings.paths
        let width = binary ? 1 : s
        @inline(__always) func count(_ f: Int, nonEmpty: Int) {
            if nonEmpty >= 2 || !skipConstant { evaluated += 1 } else { constant[f >> 6] |= 1 << UInt64(f & 63) }
        }
        features.resetForNode()
        while evaluated < mtry && features.hasMore {
            // Draw the next batch of candidate features without replacement.
            histograms.beginBatch()
            var sparseCount = 0
            let want = mtry - evaluated
            var taken = 0
            while taken < want && features.hasMore {
                let f = features.next(&rng)
                taken += 1
                let bc = bins.binCount[f]
                if skipConstant && constant[f >> 6] & (1 << UInt64(f & 63)) != 0 { taken -= 1; continue }
                if bc < 2 {
                    if !skipConstant { evaluated += 1 }
                    continue
                }
                if paths.dense(bins: bc, rows: size) {
                    histograms.addToBatch(feature: f, binCount: bc, width: width)
                } else {
                    sparseList[sparseCount] = f
                    sparseCount += 1
                }
            }
            histograms.reserveBatch()
            let dense = histograms.batchCount
            if dense > 0 {
                if binary && size < paths.markedBatchMaxRows {
                    let (h, bits) = histograms.buildMarkedBatch(start: start, end: end)
                    let stride = histograms.markedStride, words = histograms.markedWords
                    for q in 0..<dense {
                        let f = histograms.feature(q)
                        count(f, nonEmpty: scanner.scanBinaryMarked(feature: f, groups: bins.binCount[f],
                                                                    counts: h + q &* stride, bits: bits + q &* words,
                                                                    node: stats, weight: weight, best: &best))
                    }
                    histograms.clearMarkedBatch()
                } else if binary {
                    let h = histograms.buildBinary(start: start, end: end, twoCopies: size >= paths.twoCopyMinRows)
                    for q in 0..<dense {
                        let f = histograms.feature(q)
                        count(f, nonEmpty: scanner.scanBinaryCounts(feature: f, groups: bins.binCount[f],
                                                                   counts: h + histograms.offset(q),
                                                                   node: stats, weight: weight, best: &best))
                    }
                    histograms.finishBinary()
                } else {
                    let h = histograms.buildDense(start: start, end: end)
                    for q in 0..<dense {
                        let f = histograms.feature(q)
                        count(f, nonEmpty: scanner.scan(feature: f, groups: bins.binCount[f], binIds: nil,
                                                       stats: h + histograms.offset(q), node: stats,
                                                       weight: weight, best: &best))
                    }
                }
            }
            for i in 0..<sparseCount {
                let f = sparseList[i]
                if binary && paths.markedBins {
                    let h = histograms.buildMarkedBinary(start: start, end: end, feature: f)
                    count(f, nonEmpty: scanner.scanMarkedBinary(feature: f, groups: bins.binCount[f], counts: h,
                                                               bits: histograms.markedBits, node: stats,
                                                               weight: weight, best: &best))
                    histograms.clearMarked()
                    continue
                }
                let groups = histograms.sortedGroups(start: start, end: end, feature: f)
                count(f, nonEmpty: scanner.scan(feature: f, groups: groups, binIds: histograms.groupBins,
                                               stats: histograms.groupStats, node: stats, weight: weight, best: &best))
            }
        }
        return best
    }
}
