// ExplainRequest: rows to explain (proto `ExplainRequest`).

/// Rows to explain, encoded (`dense`) or raw (`records`), not both; see grove.proto.
public struct ExplainRequest: Equatable, Sendable {
    public var model: ModelSelector
    public var dense: [Double]
    public var records: [RawRecord]
    /// Reasons per row; 0 means the default (4).
    public var topK: UInt32
    /// Send every input column's contribution.
    public var contributions: Bool
    /// Send every encoded feature's contribution.
    public var encodedFeatures: Bool
    /// The class to explain; empty: the positive class.
    public var classLabel: String

    public init(model: ModelSelector, dense: [Double] = [], records: [RawRecord] = [], topK: UInt32 = 0,
                contributions: Bool = false, encodedFeatures: Bool = false, classLabel: String = "") {
        self.model = model
        self.dense = dense
        self.records = records
        self.topK = topK
        self.contributions = contributions
        self.encodedFeatures = encodedFeatures
        self.classLabel = classLabel
    }

    /// Bitwise on `dense`, so a request carrying NaN (missing) equals its own round trip.
    public static func == (a: ExplainRequest, b: ExplainRequest) -> Bool {
        a.model == b.model && a.records == b.records && a.topK == b.topK && a.contributions == b.contributions
            && a.encodedFeatures == b.encodedFeatures && a.classLabel == b.classLabel
            && a.dense.map(\.bitPattern) == b.dense.map(\.bitPattern)
    }
}
