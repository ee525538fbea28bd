// OnnxSource: where an imported model came from and how its ensemble combines trees.

/// What `grove import --onnx` learned about a file besides the trees: the converter that
/// wrote it, the operator and opset, how trees combine and the output link, and whether
/// inputs are compared as float32 (a float input tensor, or a Cast to float).
public struct OnnxSource: Sendable, Equatable {
    public var producerName: String
    public var producerVersion: String
    /// "ai.onnx.ml.TreeEnsembleClassifier" and so on.
    public var operatorName: String
    /// The ai.onnx.ml opset the file imports.
    public var opset: Int64
    /// "sum" (boosting, and scikit-learn forests whose converter pre-divides leaves by
    /// the tree count) or "average".
    public var aggregation: String
    /// The post transform, as ONNX names it: NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO, PROBIT.
    public var postTransform: String
    public var inputName: String
    public var comparesAsFloat32: Bool
}
