// Confusion matrix of class predictions.

/// Counts of (actual class, predicted class) pairs: `counts[actual][predicted]`, as
/// scikit-learn's `confusion_matrix`.
public struct ConfusionMatrix: Sendable, Hashable {
    public let classCount: Int
    public private(set) var counts: [[Int]]

    /// Tallies `predicted` against `actual` (class indices in 0..<classCount; pairs with
    /// an index outside that range are ignored).
    public init(actual: [Int], predicted: [Int], classCount: Int) {
        self.classCount = classCount
        var c = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (a, p) in zip(actual, predicted) where a >= 0 && a < classCount && p >= 0 && p < classCount {
            c[a][p] += 1
        }
        counts = c
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Fraction of correct predictions (NaN when empty).
    public var accuracy: Double {
        let t = total
        return t == 0 ? .nan : Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(t)
    }

    /// Precision of class `c`: true positives / predicted positives (0 when none predicted).
    public func precision(_ c: Int) -> Double {
        let predicted = (0..<classCount).reduce(0) { $0 + counts[$1][c] }
        return predicted == 0 ? 0 : Double(counts[c][c]) / Double(predicted)
    }

    /// Recall of class `c`: true positives / actual positives (0 when none actual).
    public func recall(_ c: Int) -> Double {
        let actual = counts[c].reduce(0, +)
        return actual == 0 ? 0 : Double(counts[c][c]) / Double(actual)
    }

    /// F1 of class `c` (0 when precision + recall is 0).
    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}
