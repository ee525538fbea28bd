// Test fixture: random trees with repeated features, strict and missing-right splits, odd covers.

@testable import GroveForest

/// Builds random valid forests for the explanation tests.
struct RandomForests {
    var rng: RandomGenerator

    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }

    /// A random tree over `features` features, depth at most `depth`, thresholds on a
    /// grid of quarters (so rows can hit them exactly), random flags, integer covers
    /// (consistent: a parent's cover is its children's sum, some children 0 when
    /// `zeroCover`), and `outputs` values per leaf.
    mutating func tree(features: Int, depth: Int, outputs: Int, zeroCover: Bool, leafRate: Double = 0.2) -> Tree {
        var t = Tree()
        func add() -> Int {
            t.feature.append(0); t.threshold.append(0); t.left.append(0); t.right.append(0)
            t.flags.append(0); t.cover.append(0); t.leafOffset.append(0)
            return t.feature.count - 1
        }
        // Returns the subtree's cover.
        func grow(_ node: Int, _ level: Int) -> Double {
            if level >= depth || (level > 0 && rng.unit() < leafRate) {
                t.leafOffset[node] = UInt32(t.leafValues.count)
                for _ in 0..<outputs { t.leafValues.append((rng.unit() * 2 - 1).rounded(toPlaces: 3)) }
                let c = zeroCover && rng.unit() < 0.15 ? 0 : Double(1 + rng.below(20))
                t.cover[node] = c
                return c
            }
            t.feature[node] = UInt32(rng.below(features))
            t.threshold[node] = Double(rng.below(9)) / 4 - 1
            t.flags[node] = UInt32(rng.below(4))
            let l = add(), r = add()
            t.left[node] = UInt32(l)
            t.right[node] = UInt32(r)
            let c = grow(l, level + 1) + grow(r, level + 1)
            t.cover[node] = c
            return c
        }
        _ = grow(add(), 0)
        return t
    }

    /// A row on the same grid, with NaN at rate `missing`.
    mutating func row(features: Int, missing: Double) -> [Double] {
        (0..<features).map { _ in rng.unit() < missing ? .nan : Double(rng.below(11)) / 4 - 1.25 }
    }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        var s = 1.0
        for _ in 0..<p { s *= 10 }
        return (self * s).rounded() / s
    }
}
