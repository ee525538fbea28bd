// One decision tree as parallel node arrays (proto `Tree`).

/// A decision tree stored as parallel arrays over its nodes; node 0 is the root.
///
/// Node `i` is a leaf iff `left[i] == 0 && right[i] == 0`; its outputs are
/// `leafValues[leafOffset[i] ..< leafOffset[i] + numOutputs]`. An internal node sends a
/// row left when `row[feature[i]] <= threshold[i]` (`<` with `.strictLess`), right
/// otherwise; NaN (missing) goes left unless `.missingRight` is set. `flags` and
/// `cover` may be empty (all zero flags / unknown cover) or have one entry per node.
/// Use `Forest.validate()` before walking a tree from an untrusted source.
public struct Tree: Sendable, Equatable {
    public var feature: [UInt32]
    public var threshold: [Double]
    public var left: [UInt32]
    public var right: [UInt32]
    public var flags: [UInt32]
    public var cover: [Double]
    public var leafValues: [Double]
    public var leafOffset: [UInt32]

    public init(feature: [UInt32] = [], threshold: [Double] = [], left: [UInt32] = [], right: [UInt32] = [],
                flags: [UInt32] = [], cover: [Double] = [], leafValues: [Double] = [], leafOffset: [UInt32] = []) {
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.flags = flags
        self.cover = cover
        self.leafValues = leafValues
        self.leafOffset = leafOffset
    }

    /// Number of nodes.
    public var nodeCount: Int { feature.count }

    /// Number of leaves.
    public var leafCount: Int { zip(left, right).reduce(0) { $0 + ($1.0 == 0 && $1.1 == 0 ? 1 : 0) } }

    /// Whether node `i` is a leaf.
    @inline(__always)
    public func isLeaf(_ i: Int) -> Bool { left[i] == 0 && right[i] == 0 }

    /// Depth of the tree (a lone root leaf has depth 0). Requires a valid tree.
    public var depth: Int {
        guard nodeCount > 0 else { return 0 }
        var depths = [Int](repeating: 0, count: nodeCount)
        var best = 0
        for i in 0..<nodeCount where !isLeaf(i) {
            depths[Int(left[i])] = depths[i] + 1
            depths[Int(right[i])] = depths[i] + 1
            best = max(best, depths[i] + 1)
        }
        return best
    }

    /// The leaf node reached by `row` — the reference (naive) walk. Requires a tree
    /// that passed `Forest.validate()` and a row with every feature the tree reads.
    public func leaf(for row: UnsafeBufferPointer<Double>) -> Int {
        var i = 0
        while !isLeaf(i) { i = child(of: i, for: row[Int(feature[i])]) }
        return i
    }

    /// The child of internal node `i` that the value `v` of its feature goes to.
    @inline(__always)
    public func child(of i: Int, for v: Double) -> Int {
        let f = flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: flags[i])
        let goLeft: Bool
        if v.isNaN {
            goLeft = !f.contains(.missingRight)
        } else if f.contains(.strictLess) {
            goLeft = v < threshold[i]
        } else {
            goLeft = v <= threshold[i]
        }
        return Int(goLeft ? left[i] : right[i])
    }

    /// The leaf reached by `row` (see `leaf(for:)`).
    public func leaf(for row: [Double]) -> Int {
        row.withUnsafeBufferPointer { leaf(for: $0) }
    }
}
