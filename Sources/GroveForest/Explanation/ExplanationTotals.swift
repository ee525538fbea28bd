// The two scalars that frame one row's contributions.

/// For one explained row and output: `baseValue + Σ contributions == prediction` (to
/// rounding). Both are on the explained scale: the forest's raw score, before its link
/// (for an averaging random forest, the class probability or regression value itself;
/// for a summed, linked ensemble, the margin).
public struct ExplanationTotals: Sendable, Equatable {
    /// The model's raw score for the row.
    public var prediction: Double
    /// The expected raw score over the training data (the path-dependent mean).
    public var baseValue: Double

    public init(prediction: Double, baseValue: Double) {
        self.prediction = prediction
        self.baseValue = baseValue
    }
}
