// ExplainResponse: per-row explanations from the version that answered (proto `ExplainResponse`).

public struct ExplainResponse: Equatable, Sendable {
    public var model: String
    public var version: UInt64
    /// The class explained; empty for regression.
    public var explainedClass: String
    /// "probability", "value" or "margin" (see grove.proto).
    public var scale: String
    /// Input column names (when contributions were asked for).
    public var columns: [String]
    /// Encoded feature names (when encoded features were asked for).
    public var featureNames: [String]
    public var rows: [ExplainRow]

    public init(model: String, version: UInt64, explainedClass: String = "", scale: String = "", columns: [String] = [],
                featureNames: [String] = [], rows: [ExplainRow] = []) {
        self.model = model
        self.version = version
        self.explainedClass = explainedClass
        self.scale = scale
        self.columns = columns
        self.featureNames = featureNames
        self.rows = rows
    }
}
