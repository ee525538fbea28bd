// A trained forest together with its out-of-bag predictions on the training rows.

/// What `ForestTrainer.fit` returns: the forest and, per training row, the mean output of
/// the trees that did not draw the row.
public struct ForestFit: Sendable {
    public var forest: Forest
    /// Row-major (rows x forest.numOutputs) mean out-of-bag outputs; NaN for a row no tree
    /// left out; empty without bootstrap.
    public var outOfBag: [Double]

    public init(forest: Forest, outOfBag: [Double]) {
        self.forest = forest
        self.outOfBag = outOfBag
    }

    /// Out-of-bag probabilities of `positiveClass` and whether each row is positive, for the
    /// rows that have an out-of-bag prediction (binary classification only; empty otherwise).
    public func outOfBagScores(labels: [Int32], positiveClass: Int) -> (scores: [Double], positives: [Bool]) {
        let k = forest.numOutputs
        guard k == 2, outOfBag.count == labels.count * k else { return ([], []) }
        var scores: [Double] = []
        var positives: [Bool] = []
        scores.reserveCapacity(labels.count)
        positives.reserveCapacity(labels.count)
        for (r, y) in labels.enumerated() where !outOfBag[r * k].isNaN {
            scores.append(outOfBag[r * k + positiveClass])
            positives.append(Int(y) == positiveClass)
        }
        return (scores, positives)
    }
}
