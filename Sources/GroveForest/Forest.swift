// A tree ensemble (proto `Forest`), its validation, and the reference prediction.

import Foundation

/// An ensemble of decision trees and how their outputs combine.
///
/// Prediction (reference semantics, reproduced bit for bit by `CompiledForest`): for
/// each output k, acc[k] = 0 + leaf_0[k] + leaf_1[k] + ... in tree order; `.average`
/// then divides by the tree count; then `baseScore[k]` is added (if given; Grove's own
/// forests have none); then `link`.
public struct Forest: Sendable, Equatable {
    public var numFeatures: Int
    public var numOutputs: Int
    public var aggregation: ForestAggregation
    public var link: ForestLink
    public var baseScore: [Double]
    public var trees: [Tree]
    /// Impurity importance per encoded feature (sums to 1), or empty.
    public var featureImportance: [Double]
    /// Out-of-bag score at training (AUC, accuracy or R²), NaN when not computed.
    public var oobScore: Double

    /// Caps applied by `validate()`.
    public static let maxFeatures = 1 << 24
    public static let maxOutputs = 1 << 16
    public static let maxTrees = 100_000
    public static let maxTotalNodes = 1 << 28
    public static let maxTotalLeafValues = 1 << 30

    public init(numFeatures: Int, numOutputs: Int, aggregation: ForestAggregation = .average,
                link: ForestLink = .identity, baseScore: [Double] = [], trees: [Tree],
                featureImportance: [Double] = [], oobScore: Double = .nan) {
        self.numFeatures = numFeatures
        self.numOutputs = numOutputs
        self.aggregation = aggregation
        self.link = link
        self.baseScore = baseScore
        self.trees = trees
        self.featureImportance = featureImportance
        self.oobScore = oobScore
    }

    public static func == (a: Forest, b: Forest) -> Bool {
        a.numFeatures == b.numFeatures && a.numOutputs == b.numOutputs && a.aggregation == b.aggregation
            && a.link == b.link && a.baseScore == b.baseScore && a.trees == b.trees
            && a.featureImportance == b.featureImportance
            && (a.oobScore == b.oobScore || (a.oobScore.isNaN && b.oobScore.isNaN))
    }

    /// Total number of nodes.
    public var nodeCount: Int { trees.reduce(0) { $0 + $1.nodeCount } }

    /// Checks everything a hostile file could break; throws the first problem found.
    ///
    /// Sizes within the caps above; every tree non-empty with consistent array lengths;
    /// internal nodes with two in-range children, each strictly after its parent (no
    /// cycles) and each node (but the root) the child of exactly one node; features
    /// below `numFeatures`; finite thresholds; only known flag bits; cover finite and
    /// non-negative; every leaf's `numOutputs` values inside `leafValues`, which holds
    /// exactly leaves x outputs finite values; base score and importance of the right size.
    public func validate() throws {
        if trees.isEmpty { throw ForestValidationError.noTrees }
        if numFeatures < 1 || numFeatures > Forest.maxFeatures {
            throw ForestValidationError.tooLarge(what: "numFeatures", value: numFeatures, limit: Forest.maxFeatures)
        }
        if numOutputs < 1 || numOutputs > Forest.maxOutputs {
            throw ForestValidationError.tooLarge(what: "numOutputs", value: numOutputs, limit: Forest.maxOutputs)
        }
        if trees.count > Forest.maxTrees {
            throw ForestValidationError.tooLarge(what: "tree count", value: trees.count, limit: Forest.maxTrees)
        }
        if !baseScore.isEmpty && baseScore.count != numOutputs {
            throw ForestValidationError.badShape("base score has \(baseScore.count) values for \(numOutputs) outputs")
        }
        if baseScore.contains(where: { !$0.isFinite }) { throw ForestValidationError.badShape("base score is not finite") }
        if !featureImportance.isEmpty && featureImportance.count != numFeatures {
            throw ForestValidationError.badShape("feature importance has \(featureImportance.count) values for \(numFeatures) features")
        }
        if featureImportance.contains(where: { !$0.isFinite }) {
            throw ForestValidationError.badShape("feature importance is not finite")
        }
        if (link == .softmax || link == .softmaxZero) && numOutputs < 2 {
            throw ForestValidationError.badShape("\(link.rawValue) link needs at least 2 outputs")
        }
        var totalNodes = 0
        var totalLeafValues = 0
        for t in trees {
            totalNodes += t.nodeCount
            totalLeafValues += t.leafValues.count
        }
        if totalNodes > Forest.maxTotalNodes {
            throw ForestValidationError.tooLarge(what: "total node count", value: totalNodes, limit: Forest.maxTotalNodes)
        }
        if totalLeafValues > Forest.maxTotalLeafValues {
            throw ForestValidationError.tooLarge(what: "total leaf values", value: totalLeafValues, limit: Forest.maxTotalLeafValues)
        }
        for (ti, t) in trees.enumerated() { try validate(tree: t, index: ti) }
    }

    private func validate(tree t: Tree, index ti: Int) throws {
        let n = t.nodeCount
        if n == 0 { throw ForestValidationError.emptyTree(tree: ti) }
        func check(_ name: String, _ count: Int, allowEmpty: Bool = false) throws {
            if count != n && !(allowEmpty && count == 0) {
                throw ForestValidationError.arrayLength(tree: ti, array: name, expected: n, found: count)
            }
        }
        try check("threshold", t.threshold.count)
        try check("left", t.left.count)
        try check("right", t.right.count)
        try check("leaf_offset", t.leafOffset.count)
        try check("flags", t.flags.count, allowEmpty: true)
        try check("cover", t.cover.count, allowEmpty: true)
        var parents = [UInt8](repeating: 0, count: n)
        var leaves = 0
        let valueCount = t.leafValues.count
        for i in 0..<n {
            let l = Int(t.left[i]), r = Int(t.right[i])
            if !t.flags.isEmpty && t.flags[i] & ~TreeNodeFlags.all.rawValue != 0 {
                throw ForestValidationError.unknownFlags(tree: ti, node: i, flags: t.flags[i])
            }
            if !t.cover.isEmpty && !(t.cover[i].isFinite && t.cover[i] >= 0) {
                throw ForestValidationError.badCover(tree: ti, node: i)
            }
            if l == 0 && r == 0 {
                let off = Int(t.leafOffset[i])
                if off + numOutputs > valueCount {
                    throw ForestValidationError.leafOutOfRange(tree: ti, node: i, offset: off, leafValueCount: valueCount)
                }
                leaves += 1
                continue
            }
            if l == 0 || r == 0 { throw ForestValidationError.halfLeaf(tree: ti, node: i) }
            func claim(_ c: Int) throws {
                if c >= n { throw ForestValidationError.childOutOfRange(tree: ti, node: i, child: c, nodeCount: n) }
                if c <= i { throw ForestValidationError.childNotAfterParent(tree: ti, node: i, child: c) }
                if parents[c] != 0 { throw ForestValidationError.nodeReachedTwice(tree: ti, node: c) }
                parents[c] = 1
            }
            try claim(l)
            try claim(r)
            if Int(t.feature[i]) >= numFeatures {
                throw ForestValidationError.featureOutOfRange(tree: ti, node: i, feature: Int(t.feature[i]), numFeatures: numFeatures)
            }
            if !t.threshold[i].isFinite { throw ForestValidationError.nonFiniteThreshold(tree: ti, node: i) }
        }
        for j in 1..<max(n, 1) where parents[j] == 0 { throw ForestValidationError.nodeUnreachable(tree: ti, node: j) }
        if valueCount != leaves * numOutputs {
            throw ForestValidationError.leafValueCount(tree: ti, expected: leaves * numOutputs, found: valueCount)
        }
        if let bad = t.leafValues.firstIndex(where: { !$0.isFinite }) {
            throw ForestValidationError.nonFiniteLeafValue(tree: ti, index: bad)
        }
    }

    /// Reference prediction by walking the `Tree` arrays (slow; for tests and tools).
    /// Requires a validated forest and `row.count >= numFeatures`.
    public func predictReference(row: [Double]) -> [Double] {
        var acc = [Double](repeating: 0, count: numOutputs)
        row.withUnsafeBufferPointer { r in
            for t in trees {
                let off = Int(t.leafOffset[t.leaf(for: r)])
                for k in 0..<numOutputs { acc[k] += t.leafValues[off + k] }
            }
        }
        acc.withUnsafeMutableBufferPointer { Forest.finish($0, aggregation: aggregation, link: link, baseScore: baseScore, treeCount: trees.count) }
        return acc
    }

    /// Turns summed leaf vectors into outputs (aggregation, base score, link).
    @inline(__always)
    static func finish(_ acc: UnsafeMutableBufferPointer<Double>, aggregation: ForestAggregation, link: ForestLink,
                       baseScore: [Double], treeCount: Int) {
        let k = acc.count
        if aggregation == .average {
            let t = Double(treeCount)
            for i in 0..<k { acc[i] /= t }
        }
        if baseScore.count == k { for i in 0..<k { acc[i] += baseScore[i] } }
        switch link {
        case .identity:
            break
        case .logistic:
            for i in 0..<k { acc[i] = 1 / (1 + exp(-acc[i])) }
        case .softmax:
            var m = -Double.infinity
            for i in 0..<k { m = max(m, acc[i]) }
            var s = 0.0
            for i in 0..<k { acc[i] = exp(acc[i] - m); s += acc[i] }
            for i in 0..<k { acc[i] /= s }
        case .softmaxZero:
            var m = -Double.infinity
            for i in 0..<k { m = max(m, acc[i]) }
            var s = 0.0
            for i in 0..<k {
                acc[i] = acc[i] > 1e-7 || acc[i] < -1e-7 ? exp(acc[i] - m) : acc[i] * exp(-m)
                s += acc[i]
            }
            if s == 0 {
                for i in 0..<k { acc[i] = 0.5 }
            } else {
                for i in 0..<k { acc[i] /= s }
            }
        case .probit:
            for i in 0..<k { acc[i] = 1.41421356 * onnxErfInv(acc[i] * 2 - 1) }
        }
    }

    /// erfinv as the ONNX reference and onnxruntime approximate it (Winitzki, a = 0.147).
    static func onnxErfInv(_ x: Double) -> Double {
        let sign: Double = x < 0 ? -1 : 1
        let y = (1 - x) * (1 + x)
        if y == 0 { return 0 }
        let l = log(y)
        let v = 2 / (Double.pi * 0.147) + 0.5 * l
        let v2 = 1 / 0.147 * l
        return sign * (-v + (v * v - v2).squareRoot()).squareRoot()
    }
}
