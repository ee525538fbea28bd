// Per-node flag bits of a decision tree (proto `Tree.NodeFlag`).

/// Bit set stored in `Tree.flags`.
public struct TreeNodeFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Compare with '<' instead of '<='.
    public static let strictLess = TreeNodeFlags(rawValue: 1)
    /// A missing (NaN) value goes right instead of left.
    public static let missingRight = TreeNodeFlags(rawValue: 2)
    /// Every bit a valid file may set.
    public static let all: TreeNodeFlags = [.strictLess, .missingRight]
}
