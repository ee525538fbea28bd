// Exact path-dependent TreeSHAP for a forest, by Gauss-Legendre quadrature (O(nodes x depth) per tree).

import CGroveExplain

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
/// (D: the most distinct features on any path of the tree; rounded up to an even count so
/// pairs of points share a SIMD2 lane). One depth-first pass keeps, per point, the path
/// product H = Π h_j on the way down and, on the way up, each subtree's relative sum
/// R = Σ v · (H_leaf / H_node), so the edge into node c (feature i, factor h) adds
/// (o - z) Σ_k H_parent,k R_c,k to φ_i and h_k R_c,k to the parent's R: multiplications
/// only. A feature split again deeper has a new combined factor there: the descent swaps
/// the factors (H · h_new / h_old, the only divisions) and the ascent subtracts the deeper
/// subtree's share from the shallower edge (the quadrature is linear, so the sum stays
/// exact). Leaf children are folded into their parent (R_leaf = v at every point). Every h
/// is positive at the nodes t in (0, 1) except h = z (1 - t) with z = 0 (zero cover on a
/// side the row does not take): everything below it is 0, and its inverse is taken as 0.
/// Which frame a repeated feature last appeared in, and its combined zero fraction, do not
/// depend on the row, so each tree is compiled into its edges in depth-first order
/// (`EdgeStep`) and every row replays the same sequence: one branch-free decision per node,
/// then straight-line arithmetic per edge. Cost: O(nodes x points) per tree, no allocation.
///
/// Two implementations (`ExplainKernel`): `explainTree` below, in Swift, is the reference;
/// the C kernel (Sources/CGroveExplain, chosen per CPU) runs the same sequence from its own
/// compiled edges (`GroveExplainEdge`, built here) with 8 points per vector. Both are held to
/// the brute-force oracle by the tests.
public final class ForestExplainer: @unchecked Sendable {  // raw buffers written once in init, then only read
    public let numFeatures: Int
    public let numOutputs: Int
    public let treeCount: Int
    public let aggregation: ForestAggregation
    public let link: ForestLink
    /// Depth (edges) of the deepest tree, and the most quadrature points of any tree.
    public let maxDepth: Int
    public let maxPoints: Int
    /// The code that explains rows (`ExplainKernel.best` unless the caller chose).
    public let kernel: ExplainKernel
    /// The C kernel sums the contributions of trees [0, splitTree) and [splitTree, treeCount)
    /// apart, then adds the two (`grove_explain_row`), so a row explained on two threads
    /// (`ExplainHelper`) has the same bits as on one. (The leaf values, for the prediction, it
    /// adds in tree order, as Predict does.)
    public let splitTree: Int
    let baseScore: [Double]

    /// Deepest tree explained (a named bound on scratch memory).
    public static let depthLimit = 512

    /// Node words (shared with the C kernel, which walks the same nodes).
    static let leafBit: UInt32 = GROVE_EXPLAIN_NODE_LEAF
    static let missingRightBit: UInt32 = GROVE_EXPLAIN_NODE_MISSING_RIGHT
    static let featureMask: UInt32 = GROVE_EXPLAIN_NODE_FEATURE

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
    /// Per tree, its edges in depth-first order (`EdgeStep`; built only for the `.reference`
    /// kernel, empty otherwise), where they start (the same for the C kernel's edges), and its node count.
    private let steps: UnsafeMutablePointer<EdgeStep>
    private let stepStart: UnsafeMutablePointer<Int>
    private let treeNodes: UnsafeMutablePointer<Int>
    /// Most nodes in one tree (the scratch's decision buffer).
    let maxTreeNodes: Int
    private let valueCount: Int
    /// The C kernel's compiled forest (its tables are owned here).
    private let compiled: UnsafeMutablePointer<GroveExplainForest>

    /// Validates `forest` (throws `ForestValidationError`), checks every tree has cover
    /// and depth at most `depthLimit` and that this CPU runs `kernel` (throws
    /// `ExplanationError`), and compiles it.
    public init(forest: Forest, kernel: ExplainKernel = .best) throws {
        guard kernel.isSupported else { throw ExplanationError.kernelUnsupported(kernel) }
        self.kernel = kernel
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

        var deepest = 0, depthSum = 0
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
            depthSum += depth
            // ceil(D/2) points, rounded up to an even count (pairs of points in SIMD2 lanes;
            // more points than needed stay exact).
            let m = 2 * ((max(1, (mostDistinct + 1) / 2) + 1) / 2)
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

        // One quadrature rule per distinct point count; for the kernel, the same rule in
        // blocks of 8 points (unused points: t = 1/2, weight 0), then 1 / (1 - t).
        var rules: [Int: Int] = [:]
        var flatNodes: [Double] = [], flatWeights: [Double] = []
        let block = ExplainScratch.block
        var kernelRules: [Int: Int] = [:]
        var kernelRuleTable: [Double] = []
        let kernelBlocks = treePoints.map { ($0 + block - 1) / block }
        for (ti, m) in treePoints.enumerated() {
            if rules[m] == nil {
                let rule = QuadratureRule(points: m)
                rules[m] = flatNodes.count
                flatNodes += rule.nodes
                flatWeights += rule.weights
                let padded = kernelBlocks[ti] * block
                let nodes = rule.nodes + [Double](repeating: 0.5, count: padded - m)
                kernelRules[m] = kernelRuleTable.count
                kernelRuleTable += nodes + rule.weights + [Double](repeating: 0, count: padded - m) + nodes.map { 1 / (1 - $0) }
            }
            points[ti] = m
            ruleOffset[ti] = rules[m]!
        }
        ruleNodes = .allocate(capacity: flatNodes.count)
        ruleNodes.initialize(from: flatNodes, count: flatNodes.count)
        ruleWeights = .allocate(capacity: flatWeights.count)
        ruleWeights.initialize(from: flatWeights, count: flatWeights.count)

        // Each tree's edges in depth-first order with everything that does not depend on
        // the row: the parent's frame, the frame where the feature last appeared on the
        // path, the feature's combined zero fraction there, and how many frames close after.
        // The Swift reference's edges are built only when it is the kernel that runs (the C
        // kernels walk `kernelEdges`; tests and the bench compare them with an explainer made
        // with `.reference`): about 32 bytes per edge saved otherwise.
        let buildsReference = kernel == .reference
        var allSteps: [EdgeStep] = []
        if buildsReference { allSteps.reserveCapacity(max(nodeCount - treeCount, 0)) }
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: treeCount)
        let sizes = UnsafeMutablePointer<Int>.allocate(capacity: treeCount)
        var largest = 1
        let meta = self.meta, next = self.next, zeroLeft = self.zeroLeft, zeroRight = self.zeroRight, roots = self.roots
        let values = self.values
        let treeCount = self.treeCount, nodeCount = self.nodeCount
        var lastFrame = [Int16](repeating: -1, count: numFeatures)
        var frameZero = [Double](repeating: 1, count: deepest + 2)
        // The kernel's edges, and per repeat edge 1 / (z + (1 - z) t) at its tree's points for
        // the previous occurrence's z (entry 0: ones, for features new on the path).
        var kernelEdges: [GroveExplainEdge] = []
        kernelEdges.reserveCapacity(max(nodeCount - treeCount, 0))
        let widest = kernelBlocks.max() ?? 1
        var inverseOneTable = [Double](repeating: 0, count: block) + [Double](repeating: 1, count: widest * block)
        var leafTerms: [Double] = []
        let threshold = self.threshold
        for ti in 0..<treeCount {
            let root = roots[ti]
            let end = ti + 1 < treeCount ? roots[ti + 1] : nodeCount
            let kernelNodes = kernelRuleTable[kernelRules[treePoints[ti]]!...].prefix(kernelBlocks[ti] * block)
            starts[ti] = kernelEdges.count   // both kinds of edge: two per internal node, same order
            sizes[ti] = end - root
            largest = max(largest, end - root)
            // Children of `node` (compiled index, internal) whose frame is `depth`.
            func walk(_ node: Int, _ depth: Int) {
                let f = Int(meta[node] & ForestExplainer.featureMask)
                let previous = lastFrame[f]
                var leafLeft = false  // the left child is a leaf (its twin entry covers a leaf right child)
                for (child, left, edgeZero) in [(node + 1, true, zeroLeft[node]), (Int(next[node]), false, zeroRight[node])] {
                    let leaf = meta[child] & ForestExplainer.leafBit != 0
                    let z = edgeZero * (previous >= 0 ? frameZero[Int(previous)] : 1)
                    var flags: UInt8 = left ? EdgeStep.leftBit : 0
                    if leaf { flags |= EdgeStep.leafBit }
                    if previous >= 0 { flags |= EdgeStep.repeatBit }
                    if buildsReference {
                        allSteps.append(EdgeStep(zero: z, parent: UInt32(node - root), feature: UInt32(f),
                                                 valueOffset: leaf ? next[child] : 0, depth: Int16(depth), previous: previous,
                                                 closes: 0, flags: flags))
                    }
                    var kernelFlags = UInt8(leaf ? GROVE_EXPLAIN_LEAF : 0)
                    let twin = left && leaf && meta[Int(next[node])] & ForestExplainer.leafBit != 0
                    if twin { kernelFlags |= UInt8(GROVE_EXPLAIN_TWIN) }
                    if !leaf && previous < 0 && meta[child + 1] & ForestExplainer.leafBit != 0
                        && meta[Int(next[child])] & ForestExplainer.leafBit != 0 {
                        // Its children are twin leaves; fused when their feature is new on the path too.
                        let childFeature = Int(meta[child] & ForestExplainer.featureMask)
                        if childFeature != f && lastFrame[childFeature] < 0 { kernelFlags |= UInt8(GROVE_EXPLAIN_FUSED) }
                    }
                    if !leaf && previous < 0, let shape = ForestExplainer.fusedChildren(child, meta, next) {
                        // Its children are a lone leaf and a fused child, or two fused children:
                        // fused too when every feature in that subtree is new on the path.
                        let childFeature = Int(meta[child] & ForestExplainer.featureMask)
                        let new = { (g: Int) in g != childFeature && g != f && lastFrame[g] < 0 }
                        if childFeature != f && lastFrame[childFeature] < 0 && shape.preterminals.allSatisfy(new) {
                            kernelFlags |= UInt8(GROVE_EXPLAIN_FUSED2) | (shape.leafFirst ? UInt8(GROVE_EXPLAIN_LEAF_FIRST) : 0)
                                | (shape.preterminals.count == 2 ? UInt8(GROVE_EXPLAIN_PAIR) : 0)
                        }
                    }
                    var inverseOne = block
                    if previous >= 0 {
                        let zp = frameZero[Int(previous)]
                        inverseOneTable += [zp > 0 ? 1 / zp : 0] + [Double](repeating: 0, count: block - 1)
                        inverseOne = inverseOneTable.count
                        inverseOneTable += kernelNodes.map { 1 / (zp + (1 - zp) * $0) }  // the factor's own expression
                    }
                    var value = leaf ? next[child] : 0
                    if leaf && previous < 0 && (left || !leafLeft) {
                        // A leaf (or twin pair) under a feature new on the path: per output,
                        // v z and v a for either decision (a = o - z), as the kernel would
                        // compute them (a lone leaf's sibling term is 0 x 0).
                        let right = Int(next[node])
                        let zRight = twin ? zeroRight[node] : 0
                        value = UInt32(leafTerms.count)
                        for j in 0..<k {
                            let v = values[Int(next[child]) + j], vRight = twin ? values[Int(next[right]) + j] : 0
                            leafTerms.append(v * z + vRight * (twin ? zRight : z))
                            for o in [0.0, 1.0] { leafTerms.append(v * (o - z) + vRight * (twin ? (1 - o) - zRight : 0)) }
                        }
                    }
                    let edgeIndex = kernelEdges.count
                    kernelEdges.append(GroveExplainEdge(
                        threshold: threshold[node], zero: z, feature: UInt32(f), value: value, inverseOne: UInt32(inverseOne),
                        parent: UInt16(depth + 1), previous: UInt16(Int(previous) + 1), closes: 0, flags: kernelFlags,
                        right: left ? 0 : 1, missingRight: meta[node] & ForestExplainer.missingRightBit != 0 ? 1 : 0))
                    leafLeft = left && leaf
                    if !leaf {
                        frameZero[depth + 1] = z
                        lastFrame[f] = Int16(depth + 1)
                        walk(child, depth + 1)
                        lastFrame[f] = previous
                        if buildsReference { allSteps[allSteps.count - 1].closes += 1 }
                        kernelEdges[kernelEdges.count - 1].closes += 1
                        let fusedAlready = UInt8(GROVE_EXPLAIN_FUSED | GROVE_EXPLAIN_FUSED2)
                        if previous < 0 && kernelFlags & fusedAlready == 0 && ForestExplainer.fusesChildren(kernelEdges, after: edgeIndex) {
                            // Its children are leaves and fused subtrees, all features new on the path.
                            kernelEdges[edgeIndex].flags |= UInt8(GROVE_EXPLAIN_FUSED3)
                        }
                    }
                }
            }
            if meta[root] & ForestExplainer.leafBit == 0 { walk(root, 0) }
        }
        steps = .allocate(capacity: max(allSteps.count, 1))
        steps.initialize(from: allSteps, count: allSteps.count)
        stepStart = starts
        treeNodes = sizes
        maxTreeNodes = largest

        // The kernel's forest: 64-byte aligned vector tables, per-tree offsets as 32-bit words.
        func aligned(_ values: [Double]) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(values.count, 1) * MemoryLayout<Double>.stride, alignment: 64)
            let d = p.bindMemory(to: Double.self, capacity: max(values.count, 1))
            d.initialize(from: values, count: values.count)
            return d
        }
        func words(_ values: [Int]) -> UnsafeMutablePointer<UInt32> {
            let p = UnsafeMutablePointer<UInt32>.allocate(capacity: max(values.count, 1))
            p.initialize(from: values.map { UInt32($0) }, count: values.count)
            return p
        }
        let edgeTable = UnsafeMutablePointer<GroveExplainEdge>.allocate(capacity: max(kernelEdges.count, 1))
        edgeTable.initialize(from: kernelEdges, count: kernelEdges.count)
        var edgeStarts = (0..<treeCount).map { starts[$0] }
        edgeStarts.append(kernelEdges.count)
        splitTree = ForestExplainer.halfway(edgeStarts, lead: depthSum / 4)
        compiled = .allocate(capacity: 1)
        compiled.initialize(to: GroveExplainForest(
            edges: edgeTable, edgeStart: words(edgeStarts), blocks: words(kernelBlocks),
            ruleOffset: words(treePoints.map { kernelRules[$0]! }),
            roots: words((0..<treeCount).map { roots[$0] }), nodeThreshold: UnsafePointer(threshold),
            nodeWord: UnsafePointer(meta), nodeNext: UnsafePointer(next),
            rules: aligned(kernelRuleTable), inverseOne: aligned(inverseOneTable), values: UnsafePointer(values),
            leafTerms: aligned(leafTerms), treeCount: UInt32(treeCount), numFeatures: UInt32(numFeatures),
            numOutputs: UInt32(k), splitTree: UInt32(splitTree)))

    }

    /// The tree where a row's trees are cut in two (`splitTree`), given each tree's first edge
    /// and, last, the edge count: the cut that leaves the second half (the helper's) the
    /// nearest to `lead` edges more than the first (the caller's), so both end together.
    /// The caller's thread also walks the row down every tree for the served prediction, while
    /// the helper starts a little late (the hand-off): the forest's compiler passes a quarter of
    /// the trees' depths summed. On the German credit demo forest (100 trees of depths 9-17,
    /// summing to 1,196; 10,142 edges), traced per row inside `grove serve`: the walk took
    /// 1.4-1.5 µs, the hand-off 0.3-0.4 µs and an edge 2.8 ns, so the caller ended 0.88 µs
    /// (about 310 edges) after the helper with the edges halved; a quarter of the depths is 299,
    /// which moves the cut one tree (about 110 edges) and both now end within 0.1 µs
    /// (BENCHMARKS.md "Inline reasons, ninth session").
    /// Which tree it is changes only the last bits of a contribution (the halves are summed
    /// apart), and it depends on the forest alone: every thread and process gets the same bits.
    static func halfway(_ edgeStarts: [Int], lead: Int = 0) -> Int {
        let total = edgeStarts.last ?? 0
        var best = 0
        // |first - (total - lead) / 2|, doubled
        func miss(_ t: Int) -> Int { abs(2 * edgeStarts[t] - (total - lead)) }
        for t in edgeStarts.indices where miss(t) < miss(best) { best = t }
        return best
    }

    /// Whether the kernel edges after edge `e` (to an internal child, its whole subtree being
    /// the last edges) are its child's two children, each a lone leaf, a GROVE_EXPLAIN_FUSED child
    /// or a GROVE_EXPLAIN_FUSED2 child with its feature new on the path, not both leaves: then
    /// `e` is GROVE_EXPLAIN_FUSED3 (the kernel keeps the child's frame in registers).
    static func fusesChildren(_ edges: [GroveExplainEdge], after e: Int) -> Bool {
        var c = e + 1, fused = false
        for side in 0..<2 {
            guard c < edges.count else { return false }
            let x = edges[c]
            guard x.previous == 0, x.parent == edges[e].parent + 1, x.right == UInt8(side) else { return false }
            if x.flags & UInt8(GROVE_EXPLAIN_LEAF) != 0 {
                if x.flags & UInt8(GROVE_EXPLAIN_TWIN) != 0 { return false }
                c += 1
            } else if x.flags & UInt8(GROVE_EXPLAIN_FUSED) != 0 {
                c += 3
                fused = true
            } else if x.flags & UInt8(GROVE_EXPLAIN_FUSED2) != 0 {
                c += 1 + (x.flags & UInt8(GROVE_EXPLAIN_PAIR) != 0 ? 6 : 4)
                fused = true
            } else {
                return false
            }
        }
        return fused && c == edges.count
    }

    /// When internal node `n` (compiled index) has a leaf child and an internal child whose
    /// children are both leaves, or two such children: their features, and whether the leaf
    /// comes first.
    private static func fusedChildren(_ n: Int, _ meta: UnsafeMutablePointer<UInt32>,
                                      _ next: UnsafeMutablePointer<UInt32>) -> (preterminals: [Int], leafFirst: Bool)? {
        func isLeaf(_ i: Int) -> Bool { meta[i] & leafBit != 0 }
        func isPreterminal(_ i: Int) -> Bool { !isLeaf(i) && isLeaf(i + 1) && isLeaf(Int(next[i])) }
        func feature(_ i: Int) -> Int { Int(meta[i] & featureMask) }
        let l = n + 1, r = Int(next[n])
        if isLeaf(l) && isPreterminal(r) { return ([feature(r)], true) }
        if isPreterminal(l) && isLeaf(r) { return ([feature(l)], false) }
        if isPreterminal(l) && isPreterminal(r) { return ([feature(l), feature(r)], false) }
        return nil
    }

    deinit {
        // A helper may still be finishing a job abandoned by its poster on this forest.
        grove_explain_wait_abandoned()
        threshold.deallocate(); meta.deallocate(); next.deallocate(); zeroLeft.deallocate(); zeroRight.deallocate()
        values.deallocate(); roots.deallocate(); points.deallocate(); ruleOffset.deallocate()
        ruleNodes.deallocate(); ruleWeights.deallocate(); expected.deallocate()
        steps.deallocate(); stepStart.deallocate(); treeNodes.deallocate()
        let k = compiled.pointee
        UnsafeMutablePointer(mutating: k.edges).deallocate()
        for p in [k.edgeStart, k.blocks, k.ruleOffset, k.roots] { UnsafeMutablePointer(mutating: p!).deallocate() }
        for p in [k.rules, k.inverseOne, k.leafTerms] { UnsafeMutableRawPointer(mutating: p!).deallocate() }
        compiled.deallocate()
    }

    /// The expected raw score (what `baseValue` reports) for `output`.
    public func baseValue(output: Int) -> Double {
        var sum = 0.0
        for t in 0..<treeCount { sum += expected[t * numOutputs + output] }
        return finishRaw(sum, output: output)
    }

    /// The raw score from the trees' summed leaf values: the mean (`.average`) or the
    /// sum, plus the base score when given (as `Forest.finish`, without the link).
    @inline(__always)
    private func finishRaw(_ sum: Double, output: Int) -> Double {
        let combined = aggregation == .average ? sum / Double(treeCount) : sum
        return baseScore.count == numOutputs ? combined + baseScore[output] : combined
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
        totals(leafSum: contributionsUnchecked(r, output, scratch, phi, leaves: true), output: output)
    }

    /// The prediction and base value, given the row's leaf values summed over the trees.
    @inline(__always)
    func totals(leafSum: Double, output: Int) -> ExplanationTotals {
        ExplanationTotals(prediction: finishRaw(leafSum, output: output), baseValue: baseValue(output: output))
    }

    /// The contributions into phi, as `explainUnchecked`; returns the sum of the leaf values the
    /// row reaches when `leaves`, else 0 (a caller that has the prediction skips that walk).
    @inline(__always)
    func contributionsUnchecked(_ r: UnsafePointer<Double>, _ output: Int, _ scratch: ExplainScratch,
                                _ phi: UnsafeMutablePointer<Double>, leaves: Bool) -> Double {
        contributionsUnchecked(r, output, scratch, phi, leaves: leaves, meanwhile: {})
    }

    /// `contributionsUnchecked(_:_:_:_:leaves:)`, running `meanwhile` on this thread while the
    /// scratch's helper (if it took the row) explains the second half of the trees: once this
    /// thread's half is done, before it waits for the helper's. `meanwhile` must not touch the
    /// row, the scratch or phi; the answer has the same bits with or without it.
    @inline(__always)
    func contributionsUnchecked(_ r: UnsafePointer<Double>, _ output: Int, _ scratch: ExplainScratch,
                                _ phi: UnsafeMutablePointer<Double>, leaves: Bool, meanwhile: () -> Void) -> Double {
        var hot = 0.0
        if let isa = kernel.isa {
            var pending = GroveExplainPending()
            let helper = scratch.helper?.handle
            grove_explain_row_begin(isa, compiled, r, UInt32(output), scratch.kernel, scratch.kernelLent, helper, &pending)
            meanwhile()
            hot = grove_explain_row_end(isa, compiled, r, UInt32(output), scratch.kernel, scratch.kernelSecond,
                                        scratch.kernelLent, leaves ? 1 : 0, helper, &pending, phi)
        } else {
            // The leaf values summed in tree order, as the kernel and Predict sum them.
            phi.initialize(repeating: 0, count: numFeatures)
            for t in 0..<treeCount { hot += explainTree(t, r, output, scratch, phi) }
            meanwhile()
        }
        if aggregation == .average {
            let scale = 1 / Double(treeCount)
            for j in 0..<numFeatures { phi[j] *= scale }
        }
        return hot
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

    /// Sum of the two lanes.
    @inline(__always)
    private static func total(_ x: SIMD2<Double>) -> Double { x[0] + x[1] }

    /// Closes frame c (its relative sum R is complete): credits its edge's feature and adds
    /// its share to the parent's R.
    @inline(__always)
    private func ascend(_ c: Int, vectors: Int, _ s: ExplainScratch, _ phi: UnsafeMutablePointer<Double>) {
        let stride = s.vectorStride
        let f = s.feature[c], p = s.previous[c]
        let d = c - 1
        let rc = s.r + c * stride, rd = s.r + d * stride, hd = s.h + d * stride, fc = s.factor + c * stride
        var own = SIMD2<Double>()
        if p >= 0 {
            let inv = s.inverse + c * stride
            var shallower = SIMD2<Double>()
            for k in 0..<vectors {
                let e = hd[k] * inv[k]
                let q = fc[k] * inv[k] * rc[k]
                own += e * rc[k]
                shallower += e * q
                rd[k] += q
            }
            phi[f] += (s.one[c] - s.zero[c]) * ForestExplainer.total(own) - (s.one[p] - s.zero[p]) * ForestExplainer.total(shallower)
        } else {
            for k in 0..<vectors {
                own += hd[k] * rc[k]
                rd[k] += fc[k] * rc[k]
            }
            phi[f] += (s.one[c] - s.zero[c]) * ForestExplainer.total(own)
        }
    }

    /// 1 / h, or 0 where h = 0 (a side the row does not take with zero cover: everything
    /// below it is 0 and must stay 0, not NaN).
    @inline(__always)
    private static func inverse(_ h: SIMD2<Double>) -> SIMD2<Double> {
        (1 / h).replacing(with: 0, where: h .== 0)
    }

    /// Adds tree t's SHAP values for `output` to phi; returns the value of the leaf the
    /// row reaches. First every node's decision for the row (branch-free), then the
    /// tree's edges in their fixed depth-first order (`EdgeStep`): the control flow is
    /// the same for every row; only the one fractions (0 or 1) depend on it.
    @inline(__always)
    private func explainTree(_ t: Int, _ row: UnsafePointer<Double>, _ output: Int, _ s: ExplainScratch,
                             _ phi: UnsafeMutablePointer<Double>) -> Double {
        let root = roots[t], size = treeNodes[t]
        let goesLeft = s.decisions
        for i in 0..<size {
            let n = root + i
            let word = meta[n]
            let x = row[Int(word & ForestExplainer.featureMask)]
            let left = word & ForestExplainer.missingRightBit == 0 ? !(x > threshold[n]) : x <= threshold[n]
            goesLeft[i] = left ? EdgeStep.leftBit : 0
        }
        // The leaf the row reaches.
        var i = 0
        while meta[root + i] & ForestExplainer.leafBit == 0 { i = goesLeft[i] != 0 ? i + 1 : Int(next[root + i]) - root }
        let reached = values[Int(next[root + i]) + output]
        if size == 1 { return reached }

        let vectors = points[t] / 2
        let offset = ruleOffset[t]
        let tq = UnsafeRawPointer(ruleNodes + offset).assumingMemoryBound(to: SIMD2<Double>.self)
        let wq = UnsafeRawPointer(ruleWeights + offset).assumingMemoryBound(to: SIMD2<Double>.self)
        let stride = s.vectorStride
        var sum = SIMD2<Double>()
        for k in 0..<vectors { s.h[k] = wq[k]; s.r[k] = SIMD2(); sum += wq[k] }
        s.pathSum[0] = ForestExplainer.total(sum)
        let first = steps + stepStart[t]
        var top = 0
        for j in 0..<(size - 1) {
            let step = first[j]
            let d = Int(step.depth), p = Int(step.previous), f = Int(step.feature)
            let hot = goesLeft[Int(step.parent)] == step.flags & EdgeStep.leftBit
            var o: Double = hot ? 1 : 0
            if p >= 0 { o *= s.one[p] }
            let z = step.zero
            let a = SIMD2(repeating: o - z), zz = SIMD2(repeating: z)
            let hd = s.h + d * stride, rd = s.r + d * stride
            if step.flags & EdgeStep.leafBit != 0 {
                // A leaf child: its relative sum is its value v at every point.
                let v = values[Int(step.valueOffset) + output]
                let vv = SIMD2(repeating: v)
                if p < 0 {
                    for k in 0..<vectors { rd[k] += vv * (zz + a * tq[k]) }
                    phi[f] += (o - z) * v * s.pathSum[d]
                } else {
                    let hp = s.factor + p * stride
                    var own = SIMD2<Double>(), shallower = SIMD2<Double>()
                    for k in 0..<vectors {
                        let inv = ForestExplainer.inverse(hp[k])
                        let e = hd[k] * inv
                        let hc = zz + a * tq[k]
                        own += e
                        shallower += e * hc * inv
                        rd[k] += vv * hc * inv
                    }
                    phi[f] += v * ((o - z) * ForestExplainer.total(own) - (s.one[p] - s.zero[p]) * ForestExplainer.total(shallower))
                }
                for _ in 0..<Int(step.closes) {
                    ascend(top, vectors: vectors, s, phi)
                    top -= 1
                }
            } else {
                // An internal child opens frame c = d + 1.
                let c = d + 1
                s.feature[c] = f
                s.previous[c] = p
                s.zero[c] = z
                s.one[c] = o
                let hc = s.h + c * stride, fc = s.factor + c * stride, rc = s.r + c * stride
                var total = SIMD2<Double>()
                if p >= 0 {
                    let hp = s.factor + p * stride, inv = s.inverse + c * stride
                    for k in 0..<vectors {
                        let factor = zz + a * tq[k]
                        let i = ForestExplainer.inverse(hp[k])
                        let x = hd[k] * factor * i
                        fc[k] = factor
                        inv[k] = i
                        hc[k] = x
                        rc[k] = SIMD2()
                        total += x
                    }
                } else {
                    for k in 0..<vectors {
                        let factor = zz + a * tq[k]
                        let x = hd[k] * factor
                        fc[k] = factor
                        hc[k] = x
                        rc[k] = SIMD2()
                        total += x
                    }
                }
                s.pathSum[c] = ForestExplainer.total(total)
                top = c
            }
        }
        return reached
    }
}
