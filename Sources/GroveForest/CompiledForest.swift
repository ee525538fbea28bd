// Cache-friendly compiled forest for fast, allocation-free prediction.

import Dispatch

/// A validated forest compiled into one flat array of 16-byte nodes.
///
/// Each tree is laid out in depth-first preorder so an internal node's left child is the
/// next node; the node stores the right child's index. Leaves store the offset of their
/// outputs in a shared leaf-value array. Predictions equal `Forest.predictReference`
/// bit for bit (same comparisons, same summation order). Immutable and thread-safe.
public final class CompiledForest: @unchecked Sendable {
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

    static let leafBit: UInt32 = 1 << 31
    static let missingRightBit: UInt32 = 1 << 30
    static let featureMask: UInt32 = (1 << 29) - 1

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
        nodes = .allocate(capacity: max(nodeCount, 1))
        roots = .allocate(capacity: treeCount)
        leafValues = .allocate(capacity: max(leafValueCount, 1))
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
                    (nodes + p).initialize(to: PackedNode(threshold: 0, meta: CompiledForest.leafBit, child: UInt32(nextLeaf)))
                    nextLeaf += numOutputs
                } else {
                    let f = t.flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: t.flags[o])
                    var meta = t.feature[o]
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
            if m & CompiledForest.leafBit != 0 { return Int(nd.child) }
            let v = row[Int(m & CompiledForest.featureMask)]
            let goLeft = m & CompiledForest.missingRightBit == 0 ? !(v > nd.threshold) : v <= nd.threshold
            i = goLeft ? i &+ 1 : Int(nd.child)
        }
    }

    /// One branch-free step from node `i` (a leaf stays where it is); also returns the
    /// node's meta word.
    @inline(__always)
    private func step(_ i: Int, _ row: UnsafePointer<Double>) -> (Int, UInt32) {
        let nd = nodes[i]
        let m = nd.meta
        let v = row[Int(m & CompiledForest.featureMask)]
        let le = v <= nd.threshold ? 1 : 0
        let ng = v > nd.threshold ? 0 : 1
        let mr = Int(truncatingIfNeeded: (m >> 30) & 1)
        let goLeft = (le & mr) | (ng & (1 &- mr))
        let child = Int(nd.child)
        let next = child ^ ((child ^ (i &+ 1)) & (0 &- goLeft))
        let leaf = 0 &- Int(truncatingIfNeeded: m >> 31)
        return (next ^ ((next ^ i) & leaf), m)
    }

    /// Four independent walks in lockstep (node i_g with row r_g), branch-free so the
    /// walks overlap their latencies; returns the four leaf-value offsets.
    @inline(__always)
    func walk4(_ a: Int, _ b: Int, _ c: Int, _ d: Int,
               _ ra: UnsafePointer<Double>, _ rb: UnsafePointer<Double>,
               _ rc: UnsafePointer<Double>, _ rd: UnsafePointer<Double>) -> (Int, Int, Int, Int) {
        var i0 = a, i1 = b, i2 = c, i3 = d
        while true {
            let (n0, m0) = step(i0, ra)
            let (n1, m1) = step(i1, rb)
            let (n2, m2) = step(i2, rc)
            let (n3, m3) = step(i3, rd)
            if m0 & m1 & m2 & m3 & CompiledForest.leafBit != 0 { break }
            i0 = n0; i1 = n1; i2 = n2; i3 = n3
        }
        return (Int(nodes[i0].child), Int(nodes[i1].child), Int(nodes[i2].child), Int(nodes[i3].child))
    }

    /// Calls `body` with a pointer to the leaf values at `offset`.
    @inline(__always)
    func withLeafValues<R>(at offset: Int, _ body: (UnsafePointer<Double>) -> R) -> R {
        body(leafValues + offset)
    }

    /// Leaf value `index` (for out-of-bag accumulation).
    @inline(__always)
    func leafValue(_ index: Int) -> Double { leafValues[index] }

    @inline(__always)
    private func predictUnchecked(_ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        let k = numOutputs
        for j in 0..<k { out[j] = 0 }
        var t = 0
        while t + 4 <= treeCount {
            let (o0, o1, o2, o3) = walk4(roots[t], roots[t + 1], roots[t + 2], roots[t + 3], row, row, row, row)
            for j in 0..<k { out[j] += leafValues[o0 + j] }
            for j in 0..<k { out[j] += leafValues[o1 + j] }
            for j in 0..<k { out[j] += leafValues[o2 + j] }
            for j in 0..<k { out[j] += leafValues[o3 + j] }
            t += 4
        }
        while t < treeCount {
            let o = leafOffset(tree: t, row: row)
            for j in 0..<k { out[j] += leafValues[o + j] }
            t += 1
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

    /// Rows start..<end, each through the four-trees-at-a-time walk of the single-row
    /// path (measured faster than tree-major blocks for these forest sizes).
    private func predictBlock(_ rows: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ start: Int, _ end: Int) {
        for i in start..<end { predictUnchecked(rows + i * numFeatures, out + i * numOutputs) }
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
