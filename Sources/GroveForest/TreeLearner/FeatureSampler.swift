// FeatureSampler: candidate features for a node, drawn without replacement (LightGBM's col_sampler).

/// Draws a node's candidate features one at a time without replacement, in an order fixed by
/// the tree's random stream. Owns the permutation it draws from.
struct FeatureSampler {
    private var perm: [Int]
    private var drawn = 0

    init(featureCount: Int) {
        perm = Array(0..<featureCount)
    }

    /// Restores the identity order (at the start of each tree, so a tree's draws depend
    /// only on its own random stream).
    mutating func resetForTree() {
        for f in perm.indices { perm[f] = f }
    }

    /// Starts a node: every feature can be drawn again.
    mutating func resetForNode() {
        drawn = 0
    }

    /// Whether a feature is left to draw in this node.
    var hasMore: Bool { drawn < perm.count }

    /// The next candidate feature of this node.
    @inline(__always)
    mutating func next(_ rng: inout RandomGenerator) -> Int {
        let j = drawn + rng.below(perm.count - drawn)
        perm.swapAt(drawn, j)
        let f = perm[drawn]
        drawn += 1
        return f
    }
}
