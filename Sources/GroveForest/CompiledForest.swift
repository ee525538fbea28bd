// Cache-friendly compiled forest for fast, allocation-free prediction.

import Dispatch

/// A validated forest compiled into one flat array of 16-byte nodes.
///
/// Each tree is laid out in depth-first preorder so an internal node's left child is the
/// next node; the node stores the right child's index. A leaf is a node that walks to
/// itself (threshold -infinity, child = itself, leaf bit set); the offset of its outputs
/// in the shared leaf-value array is in `leafIndex`. Walks are branch-free and run eight
/// at a time in lockstep (eight trees of one row, or one tree for eight rows of a batch)
/// until all have reached leaves; rows without NaN or -infinity use a leaner step.
/// Predictions equal `Forest.predictReference` bit for bit (same comparisons, leaves
/// added in tree order, same finish). Immutable and thread-safe.
public final class CompiledForest: @unchecked Sendable {  // raw node buffers written once in init, then only read
    public let numFeatures: Int
    public let numOutputs: Int
    public let treeCount: Int
    public let aggregation: ForestAggregation
    public let link: ForestLink
    let baseScore: [Double]
    private let nodes: UnsafeMutablePointer<PackedNode>
    private let nodeCount: Int
    private let roots: UnsafeMutablePointer<Int>
    private let leafValues: UnsafeMutablePointer<Double>
    private let leafValueCount: Int
    /// Leaf value offset of each leaf node (by node index).
    private let leafIndex: UnsafeMutablePointer<UInt32>
    /// Whether any node has the missing-right flag (else the walk needs one comparison).
    private let hasMissingRight: Bool

    static let leafBit: UInt32 = 1 << 31
    static let missingRightBit: UInt32 = 1 << 30
    static let featureMask: UInt32 = (1 << 28) - 1
    /// Set in every node's meta word (see `fastStep`).
    static let oneBit: UInt32 = 1 << 28

    struct PackedNode {
        var threshold: Double
        var meta: UInt32
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
        nodeCount = forest.nodeCount
        leafValueCount = forest.trees.reduce(0) { $0 + $1.leafValues.count }
        nodes = .allocate(capacity: nodeCount + 1)
        roots = .allocate(capacity: treeCount + 8)
        leafIndex = .allocate(capacity: nodeCount + 1)
        leafValues = .allocate(capacity: max(leafValueCount, 1))
        hasMissingRight = forest.trees.contains { t in
            t.flags.indices.contains { TreeNodeFlags(rawValue: t.flags[$0]).contains(.missingRight) && !t.isLeaf($0) }
        }
        // A spare leaf after the last node, and spare roots for walks past the end.
        (nodes + nodeCount).initialize(to: PackedNode(threshold: -.infinity, meta: CompiledForest.leafBit | CompiledForest.oneBit,
                                                      child: UInt32(nodeCount)))
        leafIndex[nodeCount] = 0
        for t in treeCount..<(treeCount + 8) { roots[t] = nodeCount }
        var next = 0
        var nextLeaf = 0
        var stack: [(node: Int, patch: Int)] = []
        for (ti, t) in forest.trees.enumerated() {
            roots[ti] = next
            stack.append((0, -1))
            while let (o, patch) = stack.popLast() {
                let p = next
                next += 1
                if patch >= 0 { nodes[patch].child = UInt32(p) }
                if t.isLeaf(o) {
                    let off = Int(t.leafOffset[o])
                    for k in 0..<numOutputs { leafValues[nextLeaf + k] = t.leafValues[off + k] }
                    (nodes + p).initialize(to: PackedNode(threshold: -.infinity, meta: CompiledForest.leafBit | CompiledForest.oneBit,
                                                          child: UInt32(p)))
                    leafIndex[p] = UInt32(nextLeaf)
                    nextLeaf += numOutputs
                } else {
                    let f = t.flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: t.flags[o])
                    var meta = t.feature[o] | CompiledForest.oneBit
                    if f.contains(.missingRight) { meta |= CompiledForest.missingRightBit }
                    // For non-NaN v, v < t exactly when v <= t.nextDown (t is finite).
                    let threshold = f.contains(.strictLess) ? t.threshold[o].nextDown : t.threshold[o]
                    (nodes + p).initialize(to: PackedNode(threshold: threshold, meta: meta, child: 0))
                    stack.append((Int(t.right[o]), p))
                    stack.append((Int(t.left[o]), -1))
                }
            }
        }
    }

    deinit {
        nodes.deallocate()
        roots.deallocate()
        leafIndex.deallocate()
        leafValues.deallocate()
    }

    /// Offset in the compiled leaf values of the leaf tree `tree` sends `row` to.
    /// A node sends v left when !(v > t) (NaN goes left), or, with missing-right,
    /// when v <= t (NaN goes right); strict '<' was folded into t at compile time.
    @inline(__always)
    func leafOffset(tree: Int, row: UnsafePointer<Double>) -> Int {
        var i = roots[tree]
        while true {
            let nd = nodes[i]
            let m = nd.meta
            if m & CompiledForest.leafBit != 0 { return Int(leafIndex[i]) }
            let v = row[Int(m & CompiledForest.featureMask)]
            let goLeft = m & CompiledForest.missingRightBit == 0 ? !(v > nd.threshold) : v <= nd.threshold
            i = goLeft ? i &+ 1 : Int(nd.child)
        }
    }

    /// One branch-free step from node `i`: an internal node moves to a child (left is
    /// `i + 1`, right `child`); a leaf stays put (its child is itself and its left
    /// offset is 0). Returns the node's meta word.
    @inline(__always)
    private static func lockstep(_ i: inout Int, _ row: UnsafePointer<Double>, _ nodes: UnsafePointer<PackedNode>,
                                 _ mixed: Bool) -> UInt32 {
        // meta and child as one word, so the child is a register value (a folded load
        // would tempt the compiler into a mispredicting branch).
        let p = UnsafeRawPointer(nodes + i)
        let threshold = p.load(as: Double.self)
        let word = p.load(fromByteOffset: 8, as: UInt64.self)
        let m = UInt32(truncatingIfNeeded: word)
        let v = row[Int(m & CompiledForest.featureMask)]
        var right = v > threshold ? 1 : 0
        if mixed {
            let nle = v <= threshold ? 0 : 1
            right |= nle & Int(truncatingIfNeeded: (m >> 30) & 1)
        }
        let left = i &+ 1 &- Int(truncatingIfNeeded: m >> 31)
        i = left ^ ((left ^ Int(truncatingIfNeeded: word >> 32)) & (0 &- right))
        return m
    }

    /// `lockstep` for rows without NaN or -infinity: a leaf (threshold -infinity, child
    /// itself) then always goes "right" to itself, so no leaf test is needed, and
    /// missing-right flags do not matter. ANDs the node's meta word into `all`.
    @inline(__always)
    private static func fastStep(_ i: inout Int, _ all: inout UInt64, _ row: UnsafePointer<Double>,
                                 _ nodes: UnsafePointer<PackedNode>) {
        let p = UnsafeRawPointer(nodes + i)
        let threshold = p.load(as: Double.self)
        let word = p.load(fromByteOffset: 8, as: UInt64.self)
        let v = row[Int(truncatingIfNeeded: word & UInt64(CompiledForest.featureMask))]
        // Left is i + 1, read through the one bit so that it depends on the load like the
        // right child (else the compiler turns the select into an unpredictable branch).
        let left = i &+ Int(truncatingIfNeeded: (word >> 28) & 1)
        i = v > threshold ? Int(truncatingIfNeeded: word >> 32) : left
        all &= word
    }

    /// Leaf value offset of leaf node `i`.
    @inline(__always)
    private func leafAt(_ i: Int) -> Int { Int(leafIndex[i]) }

    /// Sums trees' leaf vectors for one row into out (which starts at zero), eight
    /// trees walked in lockstep, adding in tree order.
    @inline(__always)
    private func accumulate<Mode: WalkMode>(_: Mode.Type, _ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        let nodes = UnsafePointer(self.nodes), roots = UnsafePointer(self.roots), values = UnsafePointer(leafValues)
        let k = numOutputs, T = treeCount
        let mixed = Mode.mixed
        var a0 = 0.0, a1 = 0.0
        var t = 0
        while t < T {
            var i0 = roots[t], i1 = roots[t + 1], i2 = roots[t + 2], i3 = roots[t + 3]
            var i4 = roots[t + 4], i5 = roots[t + 5], i6 = roots[t + 6], i7 = roots[t + 7]
            if Mode.fast {
                while true {
                    var m = UInt64.max
                    CompiledForest.fastStep(&i0, &m, row, nodes)
                    CompiledForest.fastStep(&i1, &m, row, nodes)
                    CompiledForest.fastStep(&i2, &m, row, nodes)
                    CompiledForest.fastStep(&i3, &m, row, nodes)
                    CompiledForest.fastStep(&i4, &m, row, nodes)
                    CompiledForest.fastStep(&i5, &m, row, nodes)
                    CompiledForest.fastStep(&i6, &m, row, nodes)
                    CompiledForest.fastStep(&i7, &m, row, nodes)
                    if m & UInt64(CompiledForest.leafBit) != 0 { break }
                }
            } else { while true {
                let m = CompiledForest.lockstep(&i0, row, nodes, mixed) & CompiledForest.lockstep(&i1, row, nodes, mixed)
                    & CompiledForest.lockstep(&i2, row, nodes, mixed) & CompiledForest.lockstep(&i3, row, nodes, mixed)
                    & CompiledForest.lockstep(&i4, row, nodes, mixed) & CompiledForest.lockstep(&i5, row, nodes, mixed)
                    & CompiledForest.lockstep(&i6, row, nodes, mixed) & CompiledForest.lockstep(&i7, row, nodes, mixed)
                if m >= CompiledForest.leafBit { break }
            } }
            let n = Swift.min(8, T - t)
            let o = (leafAt(i0), leafAt(i1), leafAt(i2), leafAt(i3), leafAt(i4), leafAt(i5), leafAt(i6), leafAt(i7))
            if k == 2 && n == 8 {
                a0 += values[o.0]; a1 += values[o.0 &+ 1]
                a0 += values[o.1]; a1 += values[o.1 &+ 1]
                a0 += values[o.2]; a1 += values[o.2 &+ 1]
                a0 += values[o.3]; a1 += values[o.3 &+ 1]
                a0 += values[o.4]; a1 += values[o.4 &+ 1]
                a0 += values[o.5]; a1 += values[o.5 &+ 1]
                a0 += values[o.6]; a1 += values[o.6 &+ 1]
                a0 += values[o.7]; a1 += values[o.7 &+ 1]
            } else {
                withUnsafeBytes(of: o) { raw in
                    let offs = raw.bindMemory(to: Int.self)
                    for g in 0..<n {
                        if k == 2 {
                            a0 += values[offs[g]]; a1 += values[offs[g] &+ 1]
                        } else {
                            for j in 0..<k { out[j] += values[offs[g] + j] }
                        }
                    }
                }
            }
            t += 8
        }
        if k == 2 { out[0] = a0; out[1] = a1 }
    }

    @inline(__always)
    private func predictUnchecked(_ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        let k = numOutputs
        for j in 0..<k { out[j] = 0 }
        // Rows without NaN or -infinity (checked branch-free) take the leaner walk.
        var dirty: UInt8 = 0
        for j in 0..<numFeatures { dirty |= row[j] > -.infinity ? 0 : 1 }
        let clean = dirty == 0
        if clean {
            accumulate(Fast.self, row, out)
        } else if hasMissingRight {
            accumulate(SingleMixed.self, row, out)
        } else {
            accumulate(SinglePlain.self, row, out)
        }
        Forest.finish(UnsafeMutableBufferPointer(start: out, count: k), aggregation: aggregation, link: link,
                      baseScore: baseScore, treeCount: treeCount)
    }

    /// Predicts one encoded row into `out` (numOutputs values: class probabilities or
    /// the regression value). Allocates nothing. Throws if a buffer is too small.
    public func predict(row: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) throws {
        guard row.count >= numFeatures, let r = row.baseAddress else {
            throw InferenceError.rowTooShort(needed: numFeatures, got: row.count)
        }
        guard out.count >= numOutputs, let o = out.baseAddress else {
            throw InferenceError.outputTooSmall(needed: numOutputs, got: out.count)
        }
        predictUnchecked(r, o)
    }

    /// Predicts one row given as an array (allocates the result).
    public func predict(row: [Double]) throws -> [Double] {
        var out = [Double](repeating: 0, count: numOutputs)
        try row.withUnsafeBufferPointer { r in try out.withUnsafeMutableBufferPointer { try predict(row: r, into: $0) } }
        return out
    }

    /// Predicts `rowCount` rows (row-major, `numFeatures` values each) into `out`
    /// (row-major, `numOutputs` each). Uses up to `threads` threads (0 = all cores) for
    /// batches of 4096 rows or more. Results equal the single-row path.
    public func predict(rows: UnsafeBufferPointer<Double>, rowCount: Int,
                        into out: UnsafeMutableBufferPointer<Double>, threads: Int = 0) throws {
        guard rowCount >= 0, rows.count == rowCount * numFeatures else {
            throw InferenceError.badRowCount(rows: rowCount, values: rows.count, featureCount: numFeatures)
        }
        guard out.count >= rowCount * numOutputs else {
            throw InferenceError.outputTooSmall(needed: rowCount * numOutputs, got: out.count)
        }
        guard rowCount > 0, let r = rows.baseAddress, let o = out.baseAddress else { return }
        let chunk = 1024
        let chunks = (rowCount + chunk - 1) / chunk
        let workers = rowCount >= 4096 ? Parallel.resolve(threads) : 1
        Parallel.forEach(count: chunks, threads: workers) { c in
            let start = c * chunk
            let end = min(rowCount, start + chunk)
            self.predictBlock(r, o, start, end)
        }
    }

    /// Rows start..<end. Tree-major: blocks of eight clean rows (no NaN or -infinity)
    /// walk each tree in lockstep (the tree's nodes stay in L1), each row adding its
    /// leaves in tree order; other rows take the single-row walk. Measured faster than
    /// row-at-a-time and than refilling lanes as walks finish.
    private func predictBlock(_ rows: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ start: Int, _ end: Int) {
        let f = numFeatures, k = numOutputs, T = treeCount
        let nodes = UnsafePointer(self.nodes), roots = UnsafePointer(self.roots), values = UnsafePointer(leafValues)
        var r = start
        while r + 8 <= end {
            // Only blocks whose rows are all clean (no NaN, no -infinity) take this path.
            var dirty: UInt8 = 0
            let base = rows + r * f
            for j in 0..<(8 * f) { dirty |= base[j] > -.infinity ? 0 : 1 }
            if dirty != 0 {
                for i in r..<(r + 8) { predictUnchecked(rows + i * f, out + i * k) }
                r += 8
                continue
            }
            let o = out + r * k
            for j in 0..<(8 * k) { o[j] = 0 }
            let r0 = base, r1 = base + f, r2 = base + 2 * f, r3 = base + 3 * f
            let r4 = base + 4 * f, r5 = base + 5 * f, r6 = base + 6 * f, r7 = base + 7 * f
            for t in 0..<T {
                let root = roots[t]
                var i0 = root, i1 = root, i2 = root, i3 = root, i4 = root, i5 = root, i6 = root, i7 = root
                while true {
                    var m = UInt64.max
                    CompiledForest.fastStep(&i0, &m, r0, nodes)
                    CompiledForest.fastStep(&i1, &m, r1, nodes)
                    CompiledForest.fastStep(&i2, &m, r2, nodes)
                    CompiledForest.fastStep(&i3, &m, r3, nodes)
                    CompiledForest.fastStep(&i4, &m, r4, nodes)
                    CompiledForest.fastStep(&i5, &m, r5, nodes)
                    CompiledForest.fastStep(&i6, &m, r6, nodes)
                    CompiledForest.fastStep(&i7, &m, r7, nodes)
                    if m & UInt64(CompiledForest.leafBit) != 0 { break }
                }
                let l = (leafAt(i0), leafAt(i1), leafAt(i2), leafAt(i3), leafAt(i4), leafAt(i5), leafAt(i6), leafAt(i7))
                if k == 2 {
                    o[0] += values[l.0]; o[1] += values[l.0 &+ 1]
                    o[2] += values[l.1]; o[3] += values[l.1 &+ 1]
                    o[4] += values[l.2]; o[5] += values[l.2 &+ 1]
                    o[6] += values[l.3]; o[7] += values[l.3 &+ 1]
                    o[8] += values[l.4]; o[9] += values[l.4 &+ 1]
                    o[10] += values[l.5]; o[11] += values[l.5 &+ 1]
                    o[12] += values[l.6]; o[13] += values[l.6 &+ 1]
                    o[14] += values[l.7]; o[15] += values[l.7 &+ 1]
                } else {
                    withUnsafeBytes(of: l) { raw in
                        let offs = raw.bindMemory(to: Int.self)
                        for g in 0..<8 { for j in 0..<k { o[g * k + j] += values[offs[g] + j] } }
                    }
                }
            }
            for g in 0..<8 {
                Forest.finish(UnsafeMutableBufferPointer(start: o + g * k, count: k), aggregation: aggregation, link: link,
                              baseScore: baseScore, treeCount: T)
            }
            r += 8
        }
        for i in r..<end { predictUnchecked(rows + i * f, out + i * k) }
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

/// Compile-time variants of the lockstep walk: `fast` for rows without NaN or
/// -infinity, else `mixed` when some node has the missing-right flag.
protocol WalkMode {
    static var mixed: Bool { get }
    static var fast: Bool { get }
}

enum Fast: WalkMode { static var mixed: Bool { false }; static var fast: Bool { true } }
enum SinglePlain: WalkMode { static var mixed: Bool { false }; static var fast: Bool { false } }
enum SingleMixed: WalkMode { static var mixed: Bool { true }; static var fast: Bool { false } }
