// Test oracle: Shapley values by enumerating every feature subset (written apart from the fast code).

import GroveForest

/// Exact path-dependent Shapley values by definition, for forests with few features:
/// v(S) = the forest's raw score when only the features in S are known, where a tree at a
/// split on an unknown feature averages its children weighted by cover(child) /
/// cover(parent) (0 under a parent of cover 0); φ_i = Σ_{S ∌ i} |S|!(M-|S|-1)!/M! (v(S ∪ i) - v(S)).
/// 2^M evaluations of the whole forest: only for M <= 12 or so.
struct BruteForceShapley {
    let forest: Forest

    /// Tree value when only the features in `known` (a bit mask) are known.
    func treeValue(_ t: Tree, _ row: [Double], _ known: Int, _ node: Int, _ output: Int) -> Double {
        if t.left[node] == 0 && t.right[node] == 0 {
            return t.leafValues[Int(t.leafOffset[node]) + output]
        }
        let f = Int(t.feature[node])
        let l = Int(t.left[node]), r = Int(t.right[node])
        if known & (1 << f) != 0 {
            let x = row[f]
            let flags = t.flags.isEmpty ? 0 : t.flags[node]
            let left: Bool
            if x.isNaN {
                left = flags & 2 == 0
            } else if flags & 1 != 0 {
                left = x < t.threshold[node]
            } else {
                left = x <= t.threshold[node]
            }
            return treeValue(t, row, known, left ? l : r, output)
        }
        let c = t.cover[node]
        let wl = c > 0 ? t.cover[l] / c : 0
        let wr = c > 0 ? t.cover[r] / c : 0
        return wl * treeValue(t, row, known, l, output) + wr * treeValue(t, row, known, r, output)
    }

    /// The forest's raw score (before the link) with only `known` features.
    func value(_ row: [Double], _ known: Int, _ output: Int) -> Double {
        var s = 0.0
        for t in forest.trees { s += treeValue(t, row, known, 0, output) }
        let combined = forest.aggregation == .average ? s / Double(forest.trees.count) : s
        return combined + (forest.baseScore.isEmpty ? 0 : forest.baseScore[output])
    }

    /// φ for every feature, and v(∅) (the base value).
    func shapley(row: [Double], output: Int) -> (phi: [Double], base: Double) {
        let m = forest.numFeatures
        precondition(m <= 16)
        let v = (0..<(1 << m)).map { value(row, $0, output) }
        var factorial = [1.0]
        for i in 1...max(m, 1) { factorial.append(factorial[i - 1] * Double(i)) }
        var phi = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for s in 0..<(1 << m) where s & (1 << i) == 0 {
                let size = s.nonzeroBitCount
                let w = factorial[size] * factorial[m - size - 1] / factorial[m]
                phi[i] += w * (v[s | (1 << i)] - v[s])
            }
        }
        return (phi, v[0])
    }
}
