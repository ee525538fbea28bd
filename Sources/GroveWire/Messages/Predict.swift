// PredictRequest / PredictResponse: rows in, probabilities or values out.

/// Rows to score: encoded (`dense`, row-major) or raw `records`, not both.
public struct PredictRequest: Equatable, Sendable {
    public var model: ModelSelector
    public var dense: [Double]
    public var records: [RawRecord]
    public var labelsOnly: Bool
    /// Refuse (INVALID_ARGUMENT) instead of filling anything in: any row note is an error.
    public var strict: Bool
    /// When positive, also return up to this many reason codes per row.
    public var reasons: UInt32

    public init(model: ModelSelector, dense: [Double] = [], records: [RawRecord] = [], labelsOnly: Bool = false,
                strict: Bool = false, reasons: UInt32 = 0) {
        self.model = model
        self.dense = dense
        self.records = records
        self.labelsOnly = labelsOnly
        self.strict = strict
        self.reasons = reasons
    }

    /// Bitwise on `dense`, so a request carrying NaN (missing) equals its own round trip.
    public static func == (a: PredictRequest, b: PredictRequest) -> Bool {
        a.model == b.model && a.records == b.records && a.labelsOnly == b.labelsOnly && a.strict == b.strict && a.reasons == b.reasons
            && a.dense.map(\.bitPattern) == b.dense.map(\.bitPattern)
    }
}

/// One raw input row: named values, in the caller's order.
public struct RawRecord: Equatable, Sendable {
    public var fields: [RawField]

    public init(_ fields: [RawField]) {
        self.fields = fields
    }
}

public struct RawField: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case number(Double)
        case text(String)
        case missing

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            // Bit equality, so that NaN round-trips compare equal.
            case let (.number(x), .number(y)): return x.bitPattern == y.bitPattern
            case let (.text(x), .text(y)): return x == y
            case (.missing, .missing): return true
            default: return false
            }
        }
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

public struct PredictResponse: Equatable, Sendable {
    /// The model and version that answered.
    public var model: String
    public var version: UInt64
    public var rows: UInt32
    /// Number of classes (classification), 0 for regression.
    public var numClasses: UInt32
    /// Row-major rows x numClasses; empty when labels only were asked for.
    public var probabilities: [Double]
    /// Predicted class index per row (classification).
    public var classIndex: [UInt32]
    /// Predicted value per row (regression).
    public var values: [Double]
    /// What the server filled in, per row and column, in row order; empty when nothing was.
    public var notes: [RowNote]
    /// Reason codes per row, when the request asked for them (else empty).
    public var reasons: [[ReasonCode]]
    /// The class the reasons explain.
    public var explainedClass: String

    public init(model: String, version: UInt64, rows: UInt32, numClasses: UInt32 = 0,
                probabilities: [Double] = [], classIndex: [UInt32] = [], values: [Double] = [], notes: [RowNote] = [],
                reasons: [[ReasonCode]] = [], explainedClass: String = "") {
        self.reasons = reasons
        self.explainedClass = explainedClass
        self.model = model
        self.version = version
        self.rows = rows
        self.numClasses = numClasses
        self.probabilities = probabilities
        self.classIndex = classIndex
        self.values = values
        self.notes = notes
    }

    public static func == (a: PredictResponse, b: PredictResponse) -> Bool {
        a.model == b.model && a.version == b.version && a.rows == b.rows && a.numClasses == b.numClasses
            && a.classIndex == b.classIndex && a.notes == b.notes && a.reasons == b.reasons && a.explainedClass == b.explainedClass
            && a.probabilities.map(\.bitPattern) == b.probabilities.map(\.bitPattern)
            && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }
}
