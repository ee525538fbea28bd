// One row's explanation, grouped back to the caller's input columns.

/// The explanation of one row for one output (see `ModelExplainer`).
public struct RowExplanation: Sendable, Equatable {
    /// The raw score explained, and the expected raw score (base + Σ contributions = prediction).
    public var prediction: Double
    public var baseValue: Double
    /// One contribution per input column, in the model's column order: the signed sum of
    /// the column's encoded features (a categorical column's one-hot indicators).
    public var columns: [Double]
    /// One contribution per encoded feature, when asked for (else empty).
    public var features: [Double]
    /// The principal reasons, largest first.
    public var reasons: [Reason]

    public init(prediction: Double, baseValue: Double, columns: [Double], features: [Double], reasons: [Reason]) {
        self.prediction = prediction
        self.baseValue = baseValue
        self.columns = columns
        self.features = features
        self.reasons = reasons
    }
}
