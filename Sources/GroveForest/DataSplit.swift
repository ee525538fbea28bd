// Seeded holdout and k-fold splits of row indices.

/// Splits row indices for evaluation. Deterministic for a given seed; index lists are
/// returned in ascending order.
public enum DataSplit {
    /// Holdout split: about `testFraction` of the rows (rounded, at least 1 when the
    /// fraction is positive and n > 1) go to test. With `stratifyBy` (class per row),
    /// each class is split in the same proportion.
    public static func holdout(count n: Int, testFraction: Double, seed: UInt64,
                               stratifyBy labels: [Int32]? = nil) -> (train: [Int], test: [Int]) {
        guard n > 0, testFraction > 0 else { return (Array(0..<max(n, 0)), []) }
        var rng = RandomGenerator(seed: seed, stream: 0x5EED_0001)
        var test: [Int] = []
        for group in groups(n, labels) {
            var g = group
            shuffle(&g, &rng)
            let take = min(g.count - (g.count > 1 ? 1 : 0), Int((Double(g.count) * testFraction).rounded()))
            test.append(contentsOf: g.prefix(max(take, 0)))
        }
        if test.isEmpty && n > 1 {
            var all = Array(0..<n)
            shuffle(&all, &rng)
            test = [all[0]]
        }
        var isTest = [Bool](repeating: false, count: n)
        for t in test { isTest[t] = true }
        return ((0..<n).filter { !isTest[$0] }, (0..<n).filter { isTest[$0] })
    }

    /// K-fold split: rows shuffled (per class with `stratifyBy`) and dealt round-robin
    /// into `folds` folds; returns (train, test) for each fold.
    public static func kFold(count n: Int, folds k: Int, seed: UInt64,
                             stratifyBy labels: [Int32]? = nil) -> [(train: [Int], test: [Int])] {
        let k = max(2, min(k, max(n, 2)))
        var rng = RandomGenerator(seed: seed, stream: 0x5EED_0002)
        var fold = [Int](repeating: 0, count: n)
        var next = 0
        for group in groups(n, labels) {
            var g = group
            shuffle(&g, &rng)
            for r in g { fold[r] = next % k; next += 1 }
        }
        return (0..<k).map { f in ((0..<n).filter { fold[$0] != f }, (0..<n).filter { fold[$0] == f }) }
    }

    private static func groups(_ n: Int, _ labels: [Int32]?) -> [[Int]] {
        guard let labels, labels.count == n else { return [Array(0..<n)] }
        var byClass: [Int32: [Int]] = [:]
        for r in 0..<n { byClass[labels[r], default: []].append(r) }
        return byClass.keys.sorted().map { byClass[$0] ?? [] }
    }

    private static func shuffle(_ a: inout [Int], _ rng: inout RandomGenerator) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, rng.below(i + 1)) }
    }
}
