// TreeEnsembleSpec: one ONNX tree-ensemble operator's attributes, normalised across opsets.

/// The attributes of a `TreeEnsembleClassifier` / `TreeEnsembleRegressor` (ai.onnx.ml
/// opset 1 and 3) or `TreeEnsemble` (opset 5), as one shape: parallel node arrays, leaf
/// weights keyed by (tree, node), base values, aggregation and post transform.
/// Opset 5's separate leaf arrays are given node ids after the branch nodes'.
struct TreeEnsembleSpec: Sendable {
    enum Aggregate: Sendable { case sum, average }

    var operatorName: String
    var isClassifier: Bool
    // Nodes, one entry each.
    var treeIDs: [Int64] = []
    var nodeIDs: [Int64] = []
    var featureIDs: [Int64] = []
    var modes: [TreeNodeMode] = []
    var thresholds: [Double] = []
    var trueIDs: [Int64] = []
    var falseIDs: [Int64] = []
    var missingTracksTrue: [Bool] = []
    /// MEMBER nodes' sets, by node index.
    var memberValues: [Int: [Double]] = [:]
    /// Tree roots (opset 5), as node indices; empty: each tree's first node in file order.
    var roots: [Int] = []
    // Leaf weights, one entry each.
    var weightTreeIDs: [Int64] = []
    var weightNodeIDs: [Int64] = []
    var weightTargets: [Int64] = []
    var weights: [Double] = []
    var baseValues: [Double] = []
    /// Class labels (classifier), as text; `labelsAreIntegers` when they were int64s.
    var classLabels: [String] = []
    var labelsAreIntegers = false
    var targetCount = 1
    var aggregate: Aggregate = .sum
    /// NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT.
    var postTransform = "NONE"
}
