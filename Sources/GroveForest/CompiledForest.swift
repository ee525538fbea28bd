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
    static let strictBit: UInt32 = 1 << 29
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
                    if f.contains(.strictLess) { meta |= CompiledForest.strictBit }
                    (nodes + p).initialize(to: PackedNode(threshold: t.threshold[o], meta: meta, child: 0))
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
    @inline(__always)
    func leafOffset(tree: Int, row: UnsafePointer<Double>) -> Int {
        var i = roots[tree]
        while true {
            let nd = nodes[i]
            let m = nd.meta
            if m & CompiledForest.leafBit != 0 { return Int(nd.child) }
            let v = row[Int(m & CompiledForest.featureMask)]
            var goLeft = m & CompiledForest.strictBit != 0 ? v < nd.threshold : v <= nd.threshold
            if v.isNaN { goLeft = m & CompiledForest.missingRightBit == 0 }
            i = goLeft ? i &+ 1 : Int(nd.child)
        }
    }

    /// Leaf value `index` (for out-of-bag accumulation).
    @inline(__always)
    func leafValue(_ index: Int) -> Double { leafValues[index] }

    @inline(__always)
    private func predictUnchecked(_ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        let k = numOutputs
        for j in 0..<k { out[j] = 0 }
        if k == 1 {
            var acc = 0.0
            for t in 0..<treeCount { acc += leafValues[leafOffset(tree: t, row: row)] }
            out[0] = acc
        } else if k == 2 {
            var a0 = 0.0, a1 = 0.0
            for t in 0..<treeCount {
                let o = leafOffset(tree: t, row: row)
                a0 += leafValues[o]
                a1 += leafValues[o + 1]
            }
            out[0] = a0
            out[1] = a1
        } else {
            for t in 0..<treeCount {
                let o = leafOffset(tree: t, row: row)
                for j in 0..<k { out[j] += leafValues[o + j] }
            }
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
    /// large batches. Results equal the single-row path.
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

    /// Tree-major walk over a block of rows: each tree's nodes stay in cache while the
    /// block's rows pass through it; per-row sums still run in tree order.
    private func predictBlock(_ rows: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ start: Int, _ end: Int) {
        let k = numOutputs
        let f = numFeatures
        let block = 64
        var b = start
        while b < end {
            let e = min(end, b + block)
            for i in b..<e { for j in 0..<k { out[i * k + j] = 0 } }
            for t in 0..<treeCount {
                var i = b
                while i + 1 < e {
                    let o0 = leafOffset(tree: t, row: rows + i * f)
                    let o1 = leafOffset(tree: t, row: rows + (i + 1) * f)
                    for j in 0..<k {
                        out[i * k + j] += leafValues[o0 + j]
                        out[(i + 1) * k + j] += leafValues[o1 + j]
                    }
                    i += 2
                }
                if i < e {
                    let o0 = leafOffset(tree: t, row: rows + i * f)
                    for j in 0..<k { out[i * k + j] += leafValues[o0 + j] }
                }
            }
            for i in b..<e {
                Forest.finish(UnsafeMutableBufferPointer(start: out + i * k, count: k), aggregation: aggregation,
                              link: link, baseScore: baseScore, treeCount: treeCount)
            }
            b = e
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
