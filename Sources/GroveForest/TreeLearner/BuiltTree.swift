// BuiltTree: one grown tree plus what the forest needs from it.

/// One grown tree plus what the forest needs from it.
struct BuiltTree: Sendable {
    var tree: Tree
    /// Weighted impurity decrease per feature, normalised to sum 1 (or all zero).
    var importance: [Double]
}
