// Cache-friendly compiled forest for fast, allocation-free prediction.

import CGroveForest
import Dispatch

/// A validated forest compiled into one flat array of 16-byte nodes, walked with few
/// wasted steps.
///
/// **Layout.** Each tree is laid out depth-first with siblings adjacent: an internal
/// node stores `child`, the index of its left child, and the right child is `child + 1`,
/// so a step is `i = child + (v > threshold)` (no select the compiler could turn into a
/// mispredicting branch). Strict `<` is folded into the threshold (`t.nextDown`, thresholds
/// are finite). A leaf has threshold +infinity (every value, NaN included, goes "left")
/// and its `child` is the root of the next tree in its *chain*; the last tree of a chain
/// leads to the stop node, which leads to itself. The stop node's index is `2^m - 1`, so
/// several walks have all stopped exactly when the AND of their node indices equals it.
///
/// **Chains.** The trees are split into rounds of at most `roundTrees` trees, and each
/// round into `chains` (8) contiguous chains balanced by the trees' expected path lengths
/// (training cover, else leaf depth). Every step writes the node's index into the slot of
/// its tree (kept in the node's top byte); the last write in a tree is its leaf, so after a chain is walked
/// the slots hold the leaves reached, and the leaves are added in tree order.
///
/// **Walks.** One row: the eight chains of each round are walked in lockstep until all
/// have stopped, so a walk idles only at the end of its chain, not after every tree (the
/// earlier tree-by-tree lockstep wasted 46 % of its steps that way). A batch: chain by
/// chain (the chain's nodes stay in cache), groups of eight rows walk the chain in
/// lockstep and add its leaves; chains are visited in tree order. NaN goes left at every
/// node, so one step serves every row; only rows with NaN in a forest with missing-right
/// nodes need the step that reads the flag (a batch of such a forest uses it for all rows).
///
/// **Batch walk in C over keys.** Without missing-right nodes (and with at most
/// `GROVE_WALK_MAX_FEATURES` features), batches walk over integer keys
/// (`grove_walk_key`: order-preserving, NaN lowest) in CGroveForest (`grove_walk_batch`): the
/// nodes are laid out again as sibling pairs in 32-byte blocks (`batchWords`: the two keys,
/// then the two links: child, feature times 8, slot), so a step reads the link word and the key
/// at `8 * i` from one base register, stores the slot, and adds the carry of `cmp` to the
/// child; on x86-64 in assembly (four memory accesses per step). A leaf's key carries the
/// offset of its outputs, so the leaves are added from the same blocks. A batch's rows become
/// keys a block at a time, interleaved by groups of eight (`keys[f * 8 + lane]`: one base
/// register for eight lanes). The decisions are the same, so the outputs are the same bits
/// (BENCHMARKS.md, "Batches: integer keys", "fourth session" and "sixth session").
///
/// **One row in C over keys.** With at most `GROVE_WALK_MAX_FEATURES` features, a row
/// without NaN (any row, when no node is missing-right) is walked by `grove_walk_row`: the
/// row becomes keys once, and the eight chains of each round walk in lockstep over
/// `rowNodes`, the key and link of each node in one 16-byte record: a row reads the forest
/// from L2, so one cache line per step instead of two (the threshold as a double and the
/// node's word, or a key array beside a link array), and an integer compare. Same decisions, leaves
/// added in tree order: the same bits (BENCHMARKS.md, "fifth session"). Memory: 16 bytes per
/// node more (`rowNodes`), and the batch's sibling-pair blocks (`batchWords`, 16 bytes per node
/// slot, the pair count rounded up to a power of two: 16-32 bytes per node); forests the key
/// walks cannot take build no keys at all.
///
/// Predictions equal `Forest.predictReference` bit for bit (same comparisons, leaves
/// added in tree order, same finish). Immutable and thread-safe.
public final class CompiledForest: @unchecked Sendable {  // raw node buffers written once in init, then only read
    public let numFeatures: Int
    public let numOutputs: Int
    public let treeCount: Int
    public let aggregation: ForestAggregation
    public let link: ForestLink
    let baseScore: [Double]
    /// `stop + 1` nodes; indices past the forest's nodes and before `stop` are never read.
    private let nodes: UnsafeMutablePointer<PackedNode>
    /// Per node, its threshold's key (`grove_walk_key`) and link in one 16-byte record, for the
    /// one-row walk over keys; nil when the forest has more than `GROVE_WALK_MAX_FEATURES`
    /// features (then only the Swift walk serves it).
    private let rowNodes: UnsafeMutablePointer<GroveWalkNode>?
    /// What the one-row walk over keys reads (nil with `rowNodes`).
    private let rowWalk: UnsafeMutablePointer<GroveWalkForest>?
    /// The batch walk's sibling-pair blocks (`GroveBatchForest.words`); nil when a node is missing-right.
    private let batchWords: UnsafeMutablePointer<UInt64>?
    /// Per chain, its first node in `batchWords` (the batch stop node when empty).
    private let batchChainStarts: UnsafeMutablePointer<UInt32>?
    /// What the batch walk over keys reads (nil when a node is missing-right).
    private let batchWalk: UnsafeMutablePointer<GroveBatchForest>?
    /// Whether the forest has keys (the one-row walk over keys serves it; for tests).
    var hasKeys: Bool { rowWalk != nil }
    /// Index of the stop node: the smallest `2^m - 1` at or above the forest's node count.
    private let stop: Int
    /// Per node, 1 when NaN goes right (missing-right); nil when no node has the flag.
    private let missingRight: UnsafeMutablePointer<UInt8>?
    /// Per leaf node, the offset of its outputs in `leafValues`.
    private let leafIndex: UnsafeMutablePointer<UInt32>
    private let leafValues: UnsafeMutablePointer<Double>
    private let leafValueCount: Int
    /// Per round, the first node of each of its `chains` chains (`stop` for an empty chain).
    private let chainStarts: UnsafeMutablePointer<Int>
    /// Per chain (round * chains + chain), its first tree; `chains * roundCount + 1` entries.
    private let chainTrees: UnsafeMutablePointer<Int>
    /// Per round, its first tree; `roundCount + 1` entries.
    private let roundStarts: UnsafeMutablePointer<Int>
    private let roundCount: Int

    /// Trees per round: a round's slots (one per tree, and the stop node's) fit in
    /// `slotPad + 1` 32-bit words, 1 KiB on the stack.
    static let roundTrees = 248
    /// Chains per round (`GROVE_WALK_CHAINS`, 8: the walks step eight chains at once, `walkToStop`'s
    /// tuples and `grove_walk_row`, which refuses to compile with another count).
    static let chains = Int(GROVE_WALK_CHAINS)
    static let slotPad = 255
    /// Rows per chunk of a batch (one thread's unit of work).
    static let chunkRows = 1024
    /// The most features the batch walk over keys takes (more: the Swift walk).
    static let keyFeatures = Int(GROVE_WALK_MAX_FEATURES)

    struct PackedNode {
        /// Internal: go right when v > threshold; leaf and stop node: +infinity.
        var threshold: Double
        /// The feature (low 24 bits; validation caps features at 2^24) and the node's slot
        /// (high 8 bits): its tree's position in its round, `slotPad` for the stop node.
        var meta: UInt32
        /// Internal: the left child (right is child + 1); leaf: the next tree's root in
        /// its chain, or the stop node; stop node: itself.
        var child: UInt32
    }

    /// Validates `forest` (throws `ForestValidationError`) and compiles it.
    public init(forest: Forest) throws {
        try forest.validate()
        numFeatures = forest.numFeatures
        numOutputs = forest.numOutputs
        treeCount = forest.trees.count
        aggregation = forest.aggregation
        link = forest.link
        baseScore = forest.baseScore
        let nodeCount = forest.nodeCount
        var capacity = 1
        while capacity < nodeCount + 1 { capacity <<= 1 }
        stop = capacity - 1
        leafValueCount = forest.trees.reduce(0) { $0 + $1.leafValues.count }
        nodes = .allocate(capacity: capacity)
        leafIndex = .allocate(capacity: capacity)
        leafValues = .allocate(capacity: max(leafValueCount, 1))
        let anyMissingRight = forest.trees.contains { t in
            t.flags.indices.contains { TreeNodeFlags(rawValue: t.flags[$0]).contains(.missingRight) && !t.isLeaf($0) }
        }
        missingRight = anyMissingRight ? .allocate(capacity: capacity) : nil
        roundCount = (treeCount + CompiledForest.roundTrees - 1) / CompiledForest.roundTrees
        chainStarts = .allocate(capacity: max(1, roundCount) * CompiledForest.chains)
        roundStarts = .allocate(capacity: roundCount + 1)
        chainTrees = .allocate(capacity: CompiledForest.chains * roundCount + 1)

        let k = numOutputs
        (nodes + stop).initialize(to: PackedNode(threshold: .infinity, meta: UInt32(CompiledForest.slotPad) << 24, child: UInt32(stop)))
        leafIndex[stop] = 0
        missingRight?[stop] = 0
        // Lay out each tree, siblings adjacent; remember each tree's root and leaves.
        var treeRoot = [Int](repeating: 0, count: treeCount)
        var isLeaf = [Bool](repeating: false, count: nodeCount)
        var leavesOf = [[Int]](repeating: [], count: treeCount)
        var weight = [Double](repeating: 1, count: treeCount)
        var next = 0
        var nextLeaf = 0
        var stack: [(node: Int, at: Int, depth: Int)] = []
        for (ti, t) in forest.trees.enumerated() {
            treeRoot[ti] = next
            next += 1
            stack.append((0, treeRoot[ti], 0))
            var weighted = 0.0, covered = 0.0, depthSum = 0.0
            while let (o, p, depth) = stack.popLast() {
                leafIndex[p] = 0
                missingRight?[p] = 0
                if t.isLeaf(o) {
                    let off = Int(t.leafOffset[o])
                    for j in 0..<k { leafValues[nextLeaf + j] = t.leafValues[off + j] }
                    (nodes + p).initialize(to: PackedNode(threshold: .infinity, meta: 0, child: UInt32(stop)))
                    leafIndex[p] = UInt32(nextLeaf)
                    isLeaf[p] = true
                    nextLeaf += k
                    leavesOf[ti].append(p)
                    let c = t.cover.isEmpty ? 0 : t.cover[o]
                    weighted += c * Double(depth)
                    covered += c
                    depthSum += Double(depth)
                } else {
                    let f = t.flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: t.flags[o])
                    // For non-NaN v, v < t exactly when v <= t.nextDown (t is finite).
                    let threshold = f.contains(.strictLess) ? t.threshold[o].nextDown : t.threshold[o]
                    let c = next
                    next += 2
                    (nodes + p).initialize(to: PackedNode(threshold: threshold, meta: t.feature[o], child: UInt32(c)))
                    if f.contains(.missingRight) { missingRight?[p] = 1 }
                    stack.append((Int(t.right[o]), c + 1, depth + 1))
                    stack.append((Int(t.left[o]), c, depth + 1))
                }
            }
            // Expected steps of a walk through this tree: its leaf step plus the mean
            // leaf depth, weighted by the training cover when there is one.
            let leaves = Double(leavesOf[ti].count)
            weight[ti] = 1 + (covered > 0 ? weighted / covered : depthSum / leaves)
        }
        // Rounds, and `chains` chains per round balanced by weight.
        let chains = CompiledForest.chains
        for r in 0..<roundCount {
            let a = r * CompiledForest.roundTrees, b = min(treeCount, a + CompiledForest.roundTrees)
            roundStarts[r] = a
            let total = weight[a..<b].reduce(0, +)
            var chainOf = [Int](repeating: 0, count: b - a)
            var before = 0.0
            for tt in a..<b {
                chainOf[tt - a] = min(chains - 1, Int(Double(chains) * (before + weight[tt] / 2) / total))
                before += weight[tt]
            }
            for g in 0..<chains {
                chainStarts[r * chains + g] = stop
                chainTrees[r * chains + g] = a + chainOf.prefix { $0 < g }.count
            }
            for tt in (a..<b).reversed() {
                let g = chainOf[tt - a]
                let after = chainStarts[r * chains + g]  // the next tree of this chain, or stop
                let end = tt + 1 < treeCount ? treeRoot[tt + 1] : nodeCount
                for p in treeRoot[tt]..<end { nodes[p].meta |= UInt32(tt - a) << 24 }
                for p in leavesOf[tt] { nodes[p].child = UInt32(after) }
                chainStarts[r * chains + g] = treeRoot[tt]
            }
        }
        roundStarts[roundCount] = treeCount
        chainTrees[chains * roundCount] = treeCount
        guard numFeatures <= CompiledForest.keyFeatures else {
            (rowNodes, rowWalk, batchWords, batchChainStarts, batchWalk) = (nil, nil, nil, nil, nil)
            return
        }
        let rowNodes = UnsafeMutablePointer<GroveWalkNode>.allocate(capacity: capacity)
        for p in 0..<capacity where p < nodeCount || p == stop {
            let n = nodes[p]
            rowNodes[p] = GroveWalkNode(key: grove_walk_key(n.threshold), link: GroveWalkLink(
                child: n.child, feature8: UInt16((n.meta & 0xFF_FFFF) * 8), slot: UInt16(n.meta >> 24)))
        }
        let rowWalk = UnsafeMutablePointer<GroveWalkForest>.allocate(capacity: 1)
        rowWalk.initialize(to: GroveWalkForest(
            nodes: rowNodes, chainStarts: chainStarts, roundStarts: roundStarts, leafIndex: leafIndex,
            leafValues: leafValues, roundCount: roundCount, featureCount: numFeatures, outputCount: numOutputs,
            stop: UInt32(stop)))
        (self.rowNodes, self.rowWalk) = (rowNodes, rowWalk)
        guard missingRight == nil else {
            (batchWords, batchChainStarts, batchWalk) = (nil, nil, nil)
            return
        }
        // The batch's sibling-pair blocks (GroveBatchForest): a root gets a block of its own, the
        // children of each internal node the next free block; node index = 4 * block + side.
        var pairIndex = [UInt32](repeating: .max, count: nodeCount)
        var blocks = 0
        for p in 0..<nodeCount {
            if pairIndex[p] == .max {
                pairIndex[p] = UInt32(4 * blocks)
                blocks += 1
            }
            if !isLeaf[p] {
                let c = Int(nodes[p].child)
                pairIndex[c] = UInt32(4 * blocks)
                pairIndex[c + 1] = UInt32(4 * blocks + 1)
                blocks += 1
            }
        }
        // The stop node 2^m - 1 (at least 4 * blocks + 3): its key and link words lie in two
        // blocks past the nodes' (words[stop] ends one, words[stop + 2] starts the next).
        var pairCapacity = 4
        while pairCapacity < 4 * blocks + 4 { pairCapacity <<= 1 }
        let pairStop = pairCapacity - 1
        let wordCount = pairCapacity + 4
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: wordCount)
        words.initialize(repeating: 0, count: wordCount)
        func linkWord(feature8: UInt64, slot: UInt64, child: Int) -> UInt64 { feature8 | slot << 16 | UInt64(child) << 32 }
        for p in 0..<nodeCount {
            let n = nodes[p], i = Int(pairIndex[p])
            let slot = UInt64(n.meta >> 24)
            if isLeaf[p] {
                words[i] = GROVE_WALK_KEY_INFINITY + UInt64(leafIndex[p])
                words[i + 2] = linkWord(feature8: 0, slot: slot, child: Int(n.child) == stop ? pairStop : Int(pairIndex[Int(n.child)]))
            } else {
                words[i] = grove_walk_key(n.threshold)
                words[i + 2] = linkWord(feature8: UInt64(n.meta & 0xFF_FFFF) * 8, slot: slot, child: Int(pairIndex[Int(n.child)]))
            }
        }
        words[pairStop] = GROVE_WALK_KEY_INFINITY
        words[pairStop + 2] = linkWord(feature8: 0, slot: UInt64(CompiledForest.slotPad), child: pairStop)
        let chainCount = CompiledForest.chains * roundCount
        let starts = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, chainCount))
        for c in 0..<chainCount {
            starts[c] = chainStarts[c] == stop ? UInt32(pairStop) : pairIndex[chainStarts[c]]
        }
        let batchWalk = UnsafeMutablePointer<GroveBatchForest>.allocate(capacity: 1)
        batchWalk.initialize(to: GroveBatchForest(
            words: words, chainStarts: starts, chainTrees: chainTrees, roundStarts: roundStarts, leafValues: leafValues,
            chainCount: chainCount, featureCount: numFeatures, outputCount: numOutputs, stop: UInt32(pairStop)))
        (batchWords, batchChainStarts, self.batchWalk) = (words, starts, batchWalk)
    }

    deinit {
        nodes.deallocate()
        rowNodes?.deallocate()
        rowWalk?.deallocate()
        batchWords?.deallocate()
        batchChainStarts?.deallocate()
        batchWalk?.deallocate()
        missingRight?.deallocate()
        leafIndex.deallocate()
        leafValues.deallocate()
        chainStarts.deallocate()
        roundStarts.deallocate()
        chainTrees.deallocate()
    }

    /// One step from node `i`: an internal node moves to a child, a leaf to the next
    /// tree of its chain, the stop node stays. Records `i` in its tree's slot. With
    /// `Mixed.flags`, NaN goes right at missing-right nodes (`flags` is then non-nil).
    /// Three loads and a store. (Measured slower: the node as three parallel arrays, which
    /// saves the index arithmetic but touches three cache lines.)
    @inline(__always)
    private static func step<Mixed: MissingMode>(_: Mixed.Type, _ i: inout Int, _ row: UnsafePointer<Double>,
                                                  _ nodes: UnsafePointer<PackedNode>, _ flags: UnsafePointer<UInt8>?,
                                                  _ slots: UnsafeMutablePointer<UInt32>) {
        let p = UnsafeRawPointer(nodes + i)
        let threshold = p.load(as: Double.self)
        let word = p.load(fromByteOffset: 8, as: UInt64.self)
        let meta = UInt32(truncatingIfNeeded: word)
        slots[Int(meta >> 24)] = UInt32(truncatingIfNeeded: i)
        let v = row[Int(meta & 0xFF_FFFF)]
        var right = v > threshold ? 1 : 0
        if Mixed.flags, let flags {
            right |= (v != v ? 1 : 0) & Int(flags[i])
        }
        i = Int(truncatingIfNeeded: word >> 32) &+ right
    }

    /// Whether `row` must take the missing-right step (it has NaN and some node the flag).
    @inline(__always)
    private func needsFlags(_ row: UnsafePointer<Double>) -> Bool {
        guard missingRight != nil else { return false }
        var nan: UInt8 = 0
        for j in 0..<numFeatures { nan |= row[j] != row[j] ? 1 : 0 }
        return nan != 0
    }

    /// Sums one row's leaves into `out` (zeroed here): each round's eight chains walked in lockstep.
    @inline(__always)
    private func accumulate<Mixed: MissingMode>(_: Mixed.Type, _ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
                                                _ slots: UnsafeMutablePointer<UInt32>) {
        let nodes = UnsafePointer(self.nodes), flags = UnsafePointer(missingRight)
        let stop = self.stop, k = numOutputs
        for j in 0..<k { out[j] = 0 }
        for r in 0..<roundCount {
            let s = chainStarts + CompiledForest.chains * r
            CompiledForest.walkToStop(Mixed.self, (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]), stop,
                                      (row, row, row, row, row, row, row, row),
                                      (slots, slots, slots, slots, slots, slots, slots, slots), nodes, flags)
            addLeaves(slots: slots, 0, roundStarts[r + 1] - roundStarts[r], out)
        }
    }

    /// Predicts one row into `out` using `slots` (`slotPad + 1` words): in C over keys when
    /// the forest has them and NaN goes left at every node the row reaches, else in Swift.
    @inline(__always)
    private func predictOne(_ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ slots: UnsafeMutablePointer<UInt32>,
                            _ walk: BatchWalk) {
        let flags = needsFlags(row)
        if walk != .swift, !flags, let rowWalk {
            grove_walk_row(rowWalk, row, out)
        } else if flags {
            accumulate(FlagsRead.self, row, out, slots)
        } else {
            accumulate(FlagsIgnored.self, row, out, slots)
        }
        finish(out, 0, 1)
    }

    /// Finishes rows start..<end of `out` (numOutputs sums each): the forest's aggregation and link.
    @inline(__always)
    private func finish(_ out: UnsafeMutablePointer<Double>, _ start: Int, _ end: Int) {
        let k = numOutputs
        for r in start..<end {
            Forest.finish(UnsafeMutableBufferPointer(start: out + r * k, count: k), aggregation: aggregation, link: link,
                          baseScore: baseScore, treeCount: treeCount)
        }
    }

    /// Predicts one encoded row into `out` (numOutputs values: class probabilities or
    /// the regression value). Allocates nothing. Throws if a buffer is too small.
    public func predict(row: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                        walk: BatchWalk = .fastest) throws {
        guard row.count >= numFeatures, let r = row.baseAddress else {
            throw InferenceError.rowTooShort(needed: numFeatures, got: row.count)
        }
        guard out.count >= numOutputs, let o = out.baseAddress else {
            throw InferenceError.outputTooSmall(needed: numOutputs, got: out.count)
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: CompiledForest.slotPad + 1) { slots in
            predictOne(r, o, slots.baseAddress!, walk)
        }
    }

    /// Predicts one row given as an array (allocates the result).
    public func predict(row: [Double]) throws -> [Double] {
        var out = [Double](repeating: 0, count: numOutputs)
        try row.withUnsafeBufferPointer { r in try out.withUnsafeMutableBufferPointer { try predict(row: r, into: $0) } }
        return out
    }

    /// Predicts `rowCount` rows (row-major, `numFeatures` values each) into `out`
    /// (row-major, `numOutputs` each). Uses up to `threads` threads (0 = all cores) for
    /// batches of 4096 rows or more. Results equal the single-row path, whatever `walk`.
    public func predict(rows: UnsafeBufferPointer<Double>, rowCount: Int,
                        into out: UnsafeMutableBufferPointer<Double>, threads: Int = 0, walk: BatchWalk = .fastest) throws {
        guard rowCount >= 0, rows.count == rowCount * numFeatures else {
            throw InferenceError.badRowCount(rows: rowCount, values: rows.count, featureCount: numFeatures)
        }
        guard out.count >= rowCount * numOutputs else {
            throw InferenceError.outputTooSmall(needed: rowCount * numOutputs, got: out.count)
        }
        guard rowCount > 0, let r = rows.baseAddress, let o = out.baseAddress else { return }
        let chunk = CompiledForest.chunkRows
        let chunks = (rowCount + chunk - 1) / chunk
        let workers = rowCount >= 4096 ? Parallel.resolve(threads) : 1
        Parallel.forEach(count: chunks, threads: workers) { c in
            let start = c * chunk
            let end = min(rowCount, start + chunk)
            if walk != .swift, let batchWalk = self.batchWalk {
                let f = self.numFeatures, k = self.numOutputs
                grove_walk_batch(batchWalk, r + start * f, end - start, o + start * k, walk == .portable ? 1 : 0)
                self.finish(o, start, end)
                return
            }
            var room = LaneSlots()
            withUnsafeMutableBytes(of: &room) { raw in
                let slots = raw.bindMemory(to: UInt32.self).baseAddress!
                if self.missingRight == nil {
                    self.predictBlock(FlagsIgnored.self, r, o, start, end, slots)
                } else {
                    self.predictBlock(FlagsRead.self, r, o, start, end, slots)
                }
            }
        }
    }

    /// Rows start..<end, chain by chain (so the chain's nodes stay in cache): groups of
    /// eight rows walk the chain in lockstep, then add their leaves of the chain. Chains
    /// are visited in tree order, so every row adds its leaves in tree order. (Measured:
    /// refilling a lane with the next row as soon as its walk stops wastes no steps but
    /// costs more than it saves; so does predicting row by row.)
    private func predictBlock<Mixed: MissingMode>(_: Mixed.Type, _ rows: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
                                                  _ start: Int, _ end: Int, _ slots: UnsafeMutablePointer<UInt32>) {
        let nodes = UnsafePointer(self.nodes), flags = UnsafePointer(missingRight)
        let stop = self.stop, f = numFeatures, k = numOutputs, w = CompiledForest.slotPad + 1
        let s0 = slots, s1 = slots + w, s2 = slots + 2 * w, s3 = slots + 3 * w
        let s4 = slots + 4 * w, s5 = slots + 5 * w, s6 = slots + 6 * w, s7 = slots + 7 * w
        for j in (start * k)..<(end * k) { out[j] = 0 }
        for c in 0..<(CompiledForest.chains * roundCount) {
            let first = chainStarts[c]
            if first == stop { continue }
            let (lo, hi) = chainSlots(c)
            var r = start
            while r < end {
                // Eight rows (the last group repeats its last row) walk the chain in lockstep.
                let n = min(8, end - r)
                let p0 = rows + r * f, p1 = rows + (r + min(1, n - 1)) * f, p2 = rows + (r + min(2, n - 1)) * f
                let p3 = rows + (r + min(3, n - 1)) * f, p4 = rows + (r + min(4, n - 1)) * f, p5 = rows + (r + min(5, n - 1)) * f
                let p6 = rows + (r + min(6, n - 1)) * f, p7 = rows + (r + min(7, n - 1)) * f
                CompiledForest.walkToStop(Mixed.self, (first, first, first, first, first, first, first, first), stop,
                                          (p0, p1, p2, p3, p4, p5, p6, p7), (s0, s1, s2, s3, s4, s5, s6, s7), nodes, flags)
                for g in 0..<n { addLeaves(slots: slots + g * w, lo, hi, out + (r + g) * k) }
                r += n
            }
        }
        finish(out, start, end)
    }

    /// The slots of chain `c` (round * chains + chain): its trees' positions in their round.
    @inline(__always)
    private func chainSlots(_ c: Int) -> (Int, Int) {
        let round = c / CompiledForest.chains
        return (chainTrees[c] - roundStarts[round], chainTrees[c + 1] - roundStarts[round])
    }

    typealias Eight<T> = (T, T, T, T, T, T, T, T)

    /// Walks eight lanes in lockstep from `start` until all have reached the stop node;
    /// lane g reads row `rows.g` and records its slots in `slots.g`.
    @inline(__always)
    private static func walkToStop<Mixed: MissingMode>(_: Mixed.Type, _ start: Eight<Int>, _ stop: Int,
                                                        _ rows: Eight<UnsafePointer<Double>>,
                                                        _ slots: Eight<UnsafeMutablePointer<UInt32>>,
                                                        _ nodes: UnsafePointer<PackedNode>, _ flags: UnsafePointer<UInt8>?) {
        var (i0, i1, i2, i3, i4, i5, i6, i7) = start
        while i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7 != stop {
            step(Mixed.self, &i0, rows.0, nodes, flags, slots.0)
            step(Mixed.self, &i1, rows.1, nodes, flags, slots.1)
            step(Mixed.self, &i2, rows.2, nodes, flags, slots.2)
            step(Mixed.self, &i3, rows.3, nodes, flags, slots.3)
            step(Mixed.self, &i4, rows.4, nodes, flags, slots.4)
            step(Mixed.self, &i5, rows.5, nodes, flags, slots.5)
            step(Mixed.self, &i6, rows.6, nodes, flags, slots.6)
            step(Mixed.self, &i7, rows.7, nodes, flags, slots.7)
        }
    }

    /// Adds the leaves recorded in `slots[lo..<hi]` to `out`, in tree order.
    @inline(__always)
    private func addLeaves(slots: UnsafePointer<UInt32>, _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<Double>) {
        let values = UnsafePointer(leafValues), leafIndex = UnsafePointer(self.leafIndex), k = numOutputs
        if k == 2 {
            var a0 = out[0], a1 = out[1]
            for j in lo..<hi {
                let o = Int(leafIndex[Int(slots[j])])
                a0 += values[o]; a1 += values[o &+ 1]
            }
            out[0] = a0; out[1] = a1
        } else {
            for j in lo..<hi {
                let o = Int(leafIndex[Int(slots[j])])
                for c in 0..<k { out[c] += values[o + c] }
            }
        }
    }

    /// Predicts every row of `matrix`; returns rowCount x numOutputs values, row-major.
    public func predict(matrix: FeatureMatrix, threads: Int = 0) throws -> [Double] {
        guard matrix.featureCount == numFeatures else {
            throw InferenceError.rowTooShort(needed: numFeatures, got: matrix.featureCount)
        }
        var out = [Double](repeating: 0, count: matrix.rowCount * numOutputs)
        try matrix.values.withUnsafeBufferPointer { r in
            try out.withUnsafeMutableBufferPointer {
                try predict(rows: r, rowCount: matrix.rowCount, into: $0, threads: threads)
            }
        }
        return out
    }

    /// Index of the largest of `values` (ties go to the lower index).
    public static func argmax(_ values: UnsafeBufferPointer<Double>) -> Int {
        var best = 0
        for i in 1..<max(values.count, 1) where values[i] > values[best] { best = i }
        return best
    }
}

/// Stack room for a batch's eight lanes of slots (8 KiB, `8 * (slotPad + 1)` words:
/// `withUnsafeTemporaryAllocation` would take that much from the heap, once per chunk).
struct LaneSlots {
    var words: (SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>,
                SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>,
                SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>,
                SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>, SIMD64<UInt32>) =
        (.zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero,
         .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero,
         .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero,
         .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero)
}

/// Compile-time variants of the step: whether it reads the missing-right flags
/// (only rows with NaN in a forest that has the flag need them).
protocol MissingMode {
    static var flags: Bool { get }
}

enum FlagsIgnored: MissingMode { static var flags: Bool { false } }
enum FlagsRead: MissingMode { static var flags: Bool { true } }
