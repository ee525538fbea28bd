// ModelSource: where an imported model came from (proto `ImportSource`).

/// The origin of a model Grove did not train (`grove import`): format, the converter that
/// wrote the file, the operator its trees came from, how inputs are compared, and how
/// many rows gave its node cover. Grove's own models have none.
public struct ModelSource: Sendable, Equatable {
    /// "onnx".
    public var format: String
    public var producerName: String
    public var producerVersion: String
    /// "ai.onnx.ml.TreeEnsembleClassifier" and so on.
    public var operatorName: String
    /// The ai.onnx.ml opset the file imports.
    public var opset: Int64
    /// The graph input the features came from.
    public var inputName: String
    /// Inputs were rounded to float32 before each comparison in the file (a float input
    /// tensor); the thresholds were rewritten so that doubles compare the same way.
    public var comparesAsFloat32: Bool
    /// Rows whose passage through the trees gave the node cover (0: no cover).
    public var coverRows: UInt64

    public init(format: String, producerName: String, producerVersion: String, operatorName: String, opset: Int64,
                inputName: String, comparesAsFloat32: Bool, coverRows: UInt64 = 0) {
        self.format = format
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.operatorName = operatorName
        self.opset = opset
        self.inputName = inputName
        self.comparesAsFloat32 = comparesAsFloat32
        self.coverRows = coverRows
    }
}
