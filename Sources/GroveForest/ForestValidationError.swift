// Reasons a forest (e.g. from an untrusted model file) is refused.

/// Why `Forest.validate()` refused a forest. Tree and node numbers are 0-based indices.
public enum ForestValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case noTrees
    case tooLarge(what: String, value: Int, limit: Int)
    case badShape(String)
    case emptyTree(tree: Int)
    case arrayLength(tree: Int, array: String, expected: Int, found: Int)
    case childOutOfRange(tree: Int, node: Int, child: Int, nodeCount: Int)
    case childNotAfterParent(tree: Int, node: Int, child: Int)
    case halfLeaf(tree: Int, node: Int)
    case nodeReachedTwice(tree: Int, node: Int)
    case nodeUnreachable(tree: Int, node: Int)
    case featureOutOfRange(tree: Int, node: Int, feature: Int, numFeatures: Int)
    case nonFiniteThreshold(tree: Int, node: Int)
    case unknownFlags(tree: Int, node: Int, flags: UInt32)
    case badCover(tree: Int, node: Int)
    case leafOutOfRange(tree: Int, node: Int, offset: Int, leafValueCount: Int)
    case leafValueCount(tree: Int, expected: Int, found: Int)
    case nonFiniteLeafValue(tree: Int, index: Int)

    public var description: String {
        switch self {
        case .noTrees: return "forest has no trees"
        case let .tooLarge(what, value, limit): return "forest: \(what) is \(value), above the limit \(limit)"
        case let .badShape(why): return "forest: \(why)"
        case let .emptyTree(t): return "tree \(t) has no nodes"
        case let .arrayLength(t, a, e, f): return "tree \(t): array \(a) has \(f) entries, expected \(e)"
        case let .childOutOfRange(t, n, c, count):
            return "tree \(t) node \(n): child \(c) is outside the tree's \(count) nodes"
        case let .childNotAfterParent(t, n, c):
            return "tree \(t) node \(n): child \(c) does not come after its parent (possible cycle)"
        case let .halfLeaf(t, n): return "tree \(t) node \(n): exactly one child is 0 (a leaf needs both 0)"
        case let .nodeReachedTwice(t, n): return "tree \(t) node \(n) is the child of more than one node"
        case let .nodeUnreachable(t, n): return "tree \(t) node \(n) is unreachable from the root"
        case let .featureOutOfRange(t, n, f, nf):
            return "tree \(t) node \(n): feature \(f) is not below the \(nf) features"
        case let .nonFiniteThreshold(t, n): return "tree \(t) node \(n): threshold is not finite"
        case let .unknownFlags(t, n, f): return "tree \(t) node \(n): unknown flag bits \(f)"
        case let .badCover(t, n): return "tree \(t) node \(n): cover is negative or not finite"
        case let .leafOutOfRange(t, n, o, c):
            return "tree \(t) node \(n): leaf offset \(o) plus the outputs runs past the \(c) leaf values"
        case let .leafValueCount(t, e, f): return "tree \(t): \(f) leaf values, expected \(e) (leaves x outputs)"
        case let .nonFiniteLeafValue(t, i): return "tree \(t): leaf value \(i) is not finite"
        }
    }
}
