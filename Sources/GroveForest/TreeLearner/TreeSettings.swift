// TreeSettings: what every tree of one training run shares (limits, criterion, sampling, paths).

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
    /// Which histogram and split-search paths a node takes (speed only; see SplitPaths).
    var paths: SplitPaths = .measured
}
