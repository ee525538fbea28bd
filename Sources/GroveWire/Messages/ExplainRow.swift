// ExplainRow: one row's explanation on the wire (proto `ExplainRow`).

public struct ExplainRow: Equatable, Sendable {
    public var prediction: Double
    public var baseValue: Double
    /// Per input column, in `ExplainResponse.columns` order (when asked for).
    public var contributions: [Double]
    /// Per encoded feature (when asked for).
    public var featureContributions: [Double]
    public var reasons: [ReasonCode]

    public init(prediction: Double, baseValue: Double, contributions: [Double] = [], featureContributions: [Double] = [],
                reasons: [ReasonCode] = []) {
        self.prediction = prediction
        self.baseValue = baseValue
        self.contributions = contributions
        self.featureContributions = featureContributions
        self.reasons = reasons
    }
}
