// Exact path-dependent TreeSHAP for a forest, by Gauss-Legendre quadrature (O(nodes x depth) per tree).

/// Exact SHAP values (path-dependent TreeSHAP, Lundberg et al. 2020) of a validated
/// forest whose trees carry node cover. Immutable and thread-safe; each thread brings its
/// own `ExplainScratch`.
///
/// What is computed. For a set S of present features, a tree's value f(S) walks the row
/// through splits on features in S and averages both children of other splits by their
/// cover fractions z = cover(child) / cover(parent) (0 under a parent of cover 0). The
/// contributions are the Shapley values of f over the encoded features; a forest's are
/// the mean of its trees' (`.average`) or their sum (`.sum`), always on the raw score
/// before the link (`ExplanationTotals`). Missing values (NaN) take the side the model
/// sends them to.
///
/// How (our derivation, in the spirit of Linear TreeSHAP, Yu et al. 2022). On the path to
/// a leaf of value v, feature j has a zero fraction z_j (the product of its edges' cover
/// fractions) and a one fraction o_j (1 if the row satisfies all its splits on the path,
/// else 0). The Shapley weight |S|!(d-|S|-1)!/d! equals ∫₀¹ t^|S| (1-t)^(d-|S|-1) dt, so
/// the leaf gives feature i
///     v (o_i - z_i) ∫₀¹ Π_{j≠i} h_j(t) dt,   h_j(t) = z_j + (o_j - z_j) t,
/// a polynomial of degree d - 1, integrated exactly by ceil(D/2) Gauss-Legendre points
/// (D: the most distinct features on any path of the tree). One depth-first pass keeps, per
/// point, the path product H = Π h_j on the way down and the subtree sum G = Σ v H on the
/// way up; the edge into node c, on feature i with factor h, adds (o - z) Σ_k G_k / h_k
/// to φ_i. A feature split again deeper has a new combined factor there: the descent swaps
/// the factors (H · h_new / h_old) and the ascent subtracts the deeper subtree's share
/// from the shallower edge (the quadrature is linear, so the sum stays exact). Every h is
/// positive at the nodes t in (0, 1) except h = z (1 - t) with z = 0, whose subtree adds
/// nothing and is skipped. Cost: O(nodes x points) per tree, no allocation.
public final class ForestExplainer: @unchecked Sendable {  // raw buffers written once in init, then only read
    public let numFeatures: Int
    public let numOutputs: Int
    public let treeCount: Int
    public let aggregation: ForestAggregation
    public let link: ForestLink
    /// Depth (edges) of the deepest tree, and the most quadrature points of any tree.
    public let maxDepth: Int
    public let maxPoints: Int
    let baseScore: [Double]

    /// Deepest tree explained (a named bound on scratch memory).
    public static let depthLimit = 512

    static let leafBit: UInt32 = 1 << 31
    static let missingRightBit: UInt32 = 1 << 30
    static let featureMask: UInt32 = (1 << 28) - 1

    // Nodes of all trees in depth-first preorder: a node's left child is the next node.
    private let threshold: UnsafeMutablePointer<Double>
    private let meta: UnsafeMutablePointer<UInt32>
    /// Right child (internal nodes) or offset of the leaf's outputs in `values` (leaves).
    private let next: UnsafeMutablePointer<UInt32>
    private let zeroLeft: UnsafeMutablePointer<Double>
    private let zeroRight: UnsafeMutablePointer<Double>
    private let values: UnsafeMutablePointer<Double>
    private let roots: UnsafeMutablePointer<Int>
    private let points: UnsafeMutablePointer<Int>
    private let ruleOffset: UnsafeMutablePointer<Int>
    private let ruleNodes: UnsafeMutablePointer<Double>
    private let ruleWeights: UnsafeMutablePointer<Double>
    /// Per tree and output: f(∅), the cover-weighted mean of its leaves.
    private let expected: UnsafeMutablePointer<Double>
    private let nodeCount: Int
    private let valueCount: Int

    /// Validates `forest` (throws `ForestValidationError`), checks every tree has cover
    /// and depth at most `depthLimit` (throws `ExplanationError`), and compiles it.
    public init(forest: Forest) throws {
        try forest.validate()
        for (ti, t) in forest.trees.enumerated() where t.cover.isEmpty { throw ExplanationError.missingCover(tree: ti) }
        numFeatures = forest.numFeatures
        numOutputs = forest.numOutputs
        treeCount = forest.trees.count
        aggregation = forest.aggregation
        link = forest.link
        baseScore = forest.baseScore
        nodeCount = forest.nodeCount
        valueCount = forest.trees.reduce(0) { $0 + $1.leafValues.count }
        let k = numOutputs
        threshold = .allocate(capacity: nodeCount)
        meta = .allocate(capacity: nodeCount)
        next = .allocate(capacity: nodeCount)
        zeroLeft = .allocate(capacity: nodeCount)
        zeroRight = .allocate(capacity: nodeCount)
        values = .allocate(capacity: max(valueCount, 1))
        roots = .allocate(capacity: treeCount)
        points = .allocate(capacity: treeCount)
        ruleOffset = .allocate(capacity: treeCount)
        expected = .allocate(capacity: treeCount * k)
        expected.initialize(repeating: 0, count: treeCount * k)

        var deepest = 0
        var mostPoints = 1
        var treePoints: [Int] = []
        var counts = [Int32](repeating: 0, count: numFeatures)
        var built = 0
        var builtValues = 0
        for (ti, t) in forest.trees.enumerated() {
            // Depth and most distinct features on a path (enter/exit walk).
            var distinct = 0, mostDistinct = 0, depth = 0
            var walk: [(node: Int, depth: Int, exit: Bool)] = [(0, 0, false)]
            while let (o, d, exit) = walk.popLast() {
                if exit {
                    let f = Int(t.feature[o])
                    counts[f] -= 1
                    if counts[f] == 0 { distinct -= 1 }
                    continue
                }
                depth = max(depth, d)
                if t.isLeaf(o) { mostDistinct = max(mostDistinct, distinct); continue }
                let f = Int(t.feature[o])
                if counts[f] == 0 { distinct += 1 }
                counts[f] += 1
                walk.append((o, d, true))
                walk.append((Int(t.right[o]), d + 1, false))
                walk.append((Int(t.left[o]), d + 1, false))
            }
            if depth > ForestExplainer.depthLimit {
                throw ExplanationError.tooDeep(tree: ti, depth: depth, limit: ForestExplainer.depthLimit)
            }
            deepest = max(deepest, depth)
            let m = max(1, (mostDistinct + 1) / 2)
            treePoints.append(m)
            mostPoints = max(mostPoints, m)

            // Preorder layout, cover fractions and the tree's expected value.
            roots[ti] = built
            var stack: [(node: Int, patch: Int, weight: Double)] = [(0, -1, 1)]
            while let (o, patch, weight) = stack.popLast() {
                let p = built
                built += 1
                if patch >= 0 { next[patch] = UInt32(p) }
                if t.isLeaf(o) {
                    let off = Int(t.leafOffset[o])
                    for j in 0..<k {
                        values[builtValues + j] = t.leafValues[off + j]
                        expected[ti * k + j] += weight * t.leafValues[off + j]
                    }
                    (threshold + p).initialize(to: 0)
                    (meta + p).initialize(to: ForestExplainer.leafBit)
                    (next + p).initialize(to: UInt32(builtValues))
                    (zeroLeft + p).initialize(to: 0)
                    (zeroRight + p).initialize(to: 0)
                    builtValues += k
                } else {
                    let l = Int(t.left[o]), r = Int(t.right[o])
                    let flags = t.flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: t.flags[o])
                    var word = t.feature[o]
                    if flags.contains(.missingRight) { word |= ForestExplainer.missingRightBit }
                    // For non-NaN x, x < t exactly when x <= t.nextDown (t is finite).
                    (threshold + p).initialize(to: flags.contains(.strictLess) ? t.threshold[o].nextDown : t.threshold[o])
                    (meta + p).initialize(to: word)
                    (next + p).initialize(to: 0)
                    let parent = t.cover[o]
                    let zl = parent > 0 ? t.cover[l] / parent : 0
                    let zr = parent > 0 ? t.cover[r] / parent : 0
                    (zeroLeft + p).initialize(to: zl)
                    (zeroRight + p).initialize(to: zr)
                    stack.append((r, p, weight * zr))
                    stack.append((l, -1, weight * zl))
                }
            }
        }
        maxDepth = deepest
        maxPoints = mostPoints

        // One quadrature rule per distinct point count.
        var rules: [Int: Int] = [:]
        var flatNodes: [Double] = [], flatWeights: [Double] = []
        for (ti, m) in treePoints.enumerated() {
            if rules[m] == nil {
                let rule = QuadratureRule(points: m)
                rules[m] = flatNodes.count
                flatNodes += rule.nodes
                flatWeights += rule.weights
            }
            points[ti] = m
            ruleOffset[ti] = rules[m]!
        }
        ruleNodes = .allocate(capacity: flatNodes.count)
        ruleNodes.initialize(from: flatNodes, count: flatNodes.count)
        ruleWeights = .allocate(capacity: flatWeights.count)
        ruleWeights.initialize(from: flatWeights, count: flatWeights.count)
    }

    deinit {
        threshold.deallocate(); meta.deallocate(); next.deallocate(); zeroLeft.deallocate(); zeroRight.deallocate()
        values.deallocate(); roots.deallocate(); points.deallocate(); ruleOffset.deallocate()
        ruleNodes.deallocate(); ruleWeights.deallocate(); expected.deallocate()
    }

    /// The expected raw score (what `baseValue` reports) for `output`.
    public func baseValue(output: Int) -> Double {
        var sum = 0.0
        for t in 0..<treeCount { sum += expected[t * numOutputs + output] }
        return finishRaw(sum, output: output)
    }

    @inline(__always)
    private func finishRaw(_ sum: Double, output: Int) -> Double {
        switch aggregation {
        case .average: return sum / Double(treeCount)
        case .sum: return baseScore.count == numOutputs ? sum + baseScore[output] : sum
        }
    }

    /// Writes the SHAP value of every encoded feature for `output` (e.g. the positive
    /// class's probability) into `contributions` (numFeatures values) and returns the
    /// row's raw prediction and the base value. Allocates nothing.
    public func explain(row: UnsafeBufferPointer<Double>, output: Int, scratch: ExplainScratch,
                        into contributions: UnsafeMutableBufferPointer<Double>) throws -> ExplanationTotals {
        guard row.count >= numFeatures, let r = row.baseAddress else {
            throw ExplanationError.badBuffer(.rowTooShort(needed: numFeatures, got: row.count))
        }
        guard contributions.count >= numFeatures, let phi = contributions.baseAddress else {
            throw ExplanationError.badBuffer(.outputTooSmall(needed: numFeatures, got: contributions.count))
        }
        guard output >= 0 && output < numOutputs else {
            throw ExplanationError.outputOutOfRange(output: output, outputs: numOutputs)
        }
        precondition(scratch.fits(self), "ExplainScratch made for a smaller explainer")
        return explainUnchecked(r, output, scratch, phi)
    }

    /// `explain(row:output:scratch:into:)` after its checks.
    @inline(__always)
    func explainUnchecked(_ r: UnsafePointer<Double>, _ output: Int, _ scratch: ExplainScratch,
                                  _ phi: UnsafeMutablePointer<Double>) -> ExplanationTotals {
        phi.initialize(repeating: 0, count: numFeatures)
        var hot = 0.0
        for t in 0..<treeCount { hot += explainTree(t, r, output, scratch, phi) }
        if aggregation == .average {
            let scale = 1 / Double(treeCount)
            for j in 0..<numFeatures { phi[j] *= scale }
        }
        return ExplanationTotals(prediction: finishRaw(hot, output: output), baseValue: baseValue(output: output))
    }

    /// Array convenience (allocates): contributions per encoded feature and the totals.
    public func explain(row: [Double], output: Int) throws -> (contributions: [Double], totals: ExplanationTotals) {
        let scratch = ExplainScratch(for: self)
        var phi = [Double](repeating: 0, count: numFeatures)
        let totals = try row.withUnsafeBufferPointer { r in
            try phi.withUnsafeMutableBufferPointer { try explain(row: r, output: output, scratch: scratch, into: $0) }
        }
        return (phi, totals)
    }

    /// Explains `rowCount` encoded rows (row-major, numFeatures each) into `contributions`
    /// (row-major, numFeatures each) and `totals` (one per row), on up to `threads` threads
    /// (0 = all cores), each with its own scratch. Results equal the single-row call.
    public func explain(rows: UnsafeBufferPointer<Double>, rowCount: Int, output: Int,
                        into contributions: UnsafeMutableBufferPointer<Double>,
                        totals: UnsafeMutableBufferPointer<ExplanationTotals>, threads: Int = 0) throws {
        let f = numFeatures
        guard rowCount >= 0, rows.count == rowCount * f else {
            throw ExplanationError.badBuffer(.badRowCount(rows: rowCount, values: rows.count, featureCount: f))
        }
        guard contributions.count >= rowCount * f, totals.count >= rowCount else {
            throw ExplanationError.badBuffer(.outputTooSmall(needed: rowCount * f, got: min(contributions.count, totals.count * f)))
        }
        guard output >= 0 && output < numOutputs else {
            throw ExplanationError.outputOutOfRange(output: output, outputs: numOutputs)
        }
        guard rowCount > 0, let r = rows.baseAddress, let c = contributions.baseAddress, let o = totals.baseAddress else { return }
        let chunk = 64
        let chunks = (rowCount + chunk - 1) / chunk
        let workers = min(Parallel.resolve(threads), chunks)
        let scratches = (0..<workers).map { _ in ExplainScratch(for: self) }
        Parallel.forEachWorker(count: chunks, threads: workers) { w, item in
            for i in (item * chunk)..<min(rowCount, (item + 1) * chunk) {
                o[i] = self.explainUnchecked(r + i * f, output, scratches[w], c + i * f)
            }
        }
    }

    /// Sets up frame d + 1 for the edge from frame d's node to `child` (cover fraction
    /// `z`; `hot` when the row takes it). Returns false, leaving nothing changed, when the
    /// child's subtree cannot contribute (z = 0 on a side the row does not take).
    @inline(__always)
    private func descend(_ d: Int, child: Int, z edgeZero: Double, hot: Bool, feature f: Int, m: Int,
                         _ tq: UnsafePointer<Double>, _ s: ExplainScratch) -> Bool {
        let p = s.lastFrame[f]
        var z = edgeZero
        var o: Double = hot ? 1 : 0
        if p >= 0 { z *= s.zero[p]; o *= s.one[p] }
        if z == 0 && o == 0 { return false }
        let c = d + 1
        let stride = s.pointStride
        s.node[c] = child
        s.feature[c] = f
        s.previous[c] = p
        s.zero[c] = z
        s.one[c] = o
        s.state[c] = 0
        s.onPath[c] = s.onPath[d] && hot
        let a = o - z
        let hp = s.h + d * stride, hc = s.h + c * stride, inv = s.inverse + c * stride
        if p >= 0 {
            let old = s.inverse + p * stride
            for k in 0..<m {
                let hk = z + a * tq[k]
                inv[k] = 1 / hk
                hc[k] = hp[k] * hk * old[k]
            }
        } else {
            for k in 0..<m {
                let hk = z + a * tq[k]
                inv[k] = 1 / hk
                hc[k] = hp[k] * hk
            }
        }
        s.lastFrame[f] = c
        return true
    }

    /// Closes frame c (its subtree sum G is complete): credits its edge's feature, adds
    /// G to the parent frame's sum and restores the feature's previous occurrence.
    @inline(__always)
    private func ascend(_ c: Int, m: Int, _ s: ExplainScratch, _ phi: UnsafeMutablePointer<Double>) {
        let stride = s.pointStride
        let f = s.feature[c], p = s.previous[c]
        let gc = s.g + c * stride, gp = s.g + (c - 1) * stride, inv = s.inverse + c * stride
        var own = 0.0
        if p >= 0 {
            let old = s.inverse + p * stride
            var shallower = 0.0
            for k in 0..<m {
                own += gc[k] * inv[k]
                shallower += gc[k] * old[k]
                gp[k] += gc[k]
            }
            phi[f] += (s.one[c] - s.zero[c]) * own - (s.one[p] - s.zero[p]) * shallower
        } else {
            for k in 0..<m {
                own += gc[k] * inv[k]
                gp[k] += gc[k]
            }
            phi[f] += (s.one[c] - s.zero[c]) * own
        }
        s.lastFrame[f] = p
    }

    /// Adds tree t's SHAP values for `output` to phi; returns the value of the leaf the
    /// row reaches.
    @inline(__always)
    private func explainTree(_ t: Int, _ row: UnsafePointer<Double>, _ output: Int, _ s: ExplainScratch,
                             _ phi: UnsafeMutablePointer<Double>) -> Double {
        let m = points[t]
        let tq = UnsafePointer(ruleNodes + ruleOffset[t]), wq = ruleWeights + ruleOffset[t]
        let stride = s.pointStride
        for k in 0..<m { s.h[k] = wq[k] }
        s.node[0] = roots[t]
        s.state[0] = 0
        s.onPath[0] = true
        var reached = 0.0
        var d = 0
        while true {
            let n = s.node[d]
            let word = meta[n]
            if s.state[d] == 0 {
                let hd = s.h + d * stride, gd = s.g + d * stride
                if word & ForestExplainer.leafBit != 0 {
                    let v = values[Int(next[n]) + output]
                    if s.onPath[d] { reached = v }
                    for k in 0..<m { gd[k] = v * hd[k] }
                    if d == 0 { break }
                    ascend(d, m: m, s, phi)
                    d -= 1
                    continue
                }
                for k in 0..<m { gd[k] = 0 }
                let x = row[Int(word & ForestExplainer.featureMask)]
                let left = word & ForestExplainer.missingRightBit == 0 ? !(x > threshold[n]) : x <= threshold[n]
                s.goesLeft[d] = left
                s.state[d] = 1
                if descend(d, child: n + 1, z: zeroLeft[n], hot: left, feature: Int(word & ForestExplainer.featureMask),
                           m: m, tq, s) {
                    d += 1
                    continue
                }
            }
            if s.state[d] == 1 {
                s.state[d] = 2
                if descend(d, child: Int(next[n]), z: zeroRight[n], hot: !s.goesLeft[d],
                           feature: Int(word & ForestExplainer.featureMask), m: m, tq, s) {
                    d += 1
                    continue
                }
            }
            if d == 0 { break }
            ascend(d, m: m, s, phi)
            d -= 1
        }
        return reached
    }
}
