// One edge of a compiled tree, as the explainer replays it for every row.

/// An edge from an internal node to a child, in the tree's depth-first order, with what
/// does not depend on the row (see `ForestExplainer`).
struct EdgeStep {
    /// The edge feature's combined zero fraction on this path (product of its cover fractions).
    var zero: Double
    /// Tree-local index of the parent node (whose decision says whether the row takes this edge).
    var parent: UInt32
    var feature: UInt32
    /// A leaf child: the offset of its outputs.
    var valueOffset: UInt32
    /// The parent's frame (its depth), and the frame where the feature last appeared above (-1: none).
    var depth: Int16
    var previous: Int16
    /// Frames that close after this edge (a leaf ending one or more subtrees).
    var closes: Int16
    var flags: UInt8

    /// The left child (the same bit a node's decision holds when the row goes left).
    static let leftBit: UInt8 = 1
    static let leafBit: UInt8 = 2
    static let repeatBit: UInt8 = 4
}
