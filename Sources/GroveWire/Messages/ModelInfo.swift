// ModelInfo: what a client needs to know to call a model (schema, classes, metrics, identity).

/// A raw input column as a client sees it.
public struct InputColumnInfo: Equatable, Sendable {
    public enum Kind: UInt32, Sendable {
        case unspecified = 0
        case numeric = 1
        case categorical = 2
    }

    public var name: String
    public var kind: Kind
    public var categories: [String]
    public var fillValue: Double

    public init(name: String, kind: Kind, categories: [String] = [], fillValue: Double = 0) {
        self.name = name
        self.kind = kind
        self.categories = categories
        self.fillValue = fillValue
    }
}

public struct ModelInfo: Equatable, Sendable {
    /// The wire's task enum (GroveForest has its own, without `.unspecified`).
    public enum Task: UInt32, Sendable, CustomStringConvertible {
        case unspecified = 0
        case classification = 1
        case regression = 2

        public var description: String {
            switch self {
            case .unspecified: return "unspecified"
            case .classification: return "classification"
            case .regression: return "regression"
            }
        }
    }

    public var name: String
    public var version: UInt64
    public var task: Task
    public var classes: [String]
    /// Index of the positive class; nil when none.
    public var positiveClass: Int?
    public var inputs: [InputColumnInfo]
    public var featureNames: [String]
    public var metrics: [NamedValue]
    /// Lower-case hex SHA-256 of the model file.
    public var sha256: String
    public var createdUnixMicros: Int64
    public var trees: UInt32
    public var target: String
    /// "grove" or "onnx"; the producer of an imported file; "average" or "sum"; the
    /// link; the operator an imported model's trees came from.
    public var source: String = ""
    public var producer: String = ""
    public var ensemble: String = ""
    public var link: String = ""
    public var sourceOperator: String = ""
    /// Whether Explain works for this version, and why not.
    public var explainable: Bool
    public var explainError: String
    /// Who signed the file (the --trusted-signers name, or the signature's own name marked
    /// " (not a trusted signer)"); empty when unsigned.
    public var signer: String
    /// Hex SHA-256 of the public key whose valid signature the file carries; empty when unsigned.
    public var signerKeySHA256: String
    /// Probability calibration applied to every prediction: "none", "platt" or "isotonic"
    /// (empty from servers that predate it).
    public var calibration: String

    public init(name: String, version: UInt64, task: Task, classes: [String] = [], positiveClass: Int? = nil,
                inputs: [InputColumnInfo] = [], featureNames: [String] = [], metrics: [NamedValue] = [],
                sha256: String = "", createdUnixMicros: Int64 = 0, trees: UInt32 = 0, target: String = "",
                explainable: Bool = false, explainError: String = "", signer: String = "", signerKeySHA256: String = "",
                calibration: String = "") {
        self.signer = signer
        self.signerKeySHA256 = signerKeySHA256
        self.explainable = explainable
        self.explainError = explainError
        self.name = name
        self.version = version
        self.task = task
        self.classes = classes
        self.positiveClass = positiveClass
        self.inputs = inputs
        self.featureNames = featureNames
        self.metrics = metrics
        self.sha256 = sha256
        self.createdUnixMicros = createdUnixMicros
        self.trees = trees
        self.target = target
        self.calibration = calibration
    }
}

/// A named number (a metric).
public struct NamedValue: Equatable, Sendable {
    public var name: String
    public var value: Double

    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}
