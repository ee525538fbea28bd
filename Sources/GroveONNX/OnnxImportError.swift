// OnnxImportError: why an ONNX file was refused.

/// Why `OnnxImporter` refused a file. Every case names what was wrong in its description.
public enum OnnxImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not an ONNX ModelProto (truncated, not protobuf, wrong wire types).
    case notAModel
    /// A size beyond a named maximum of `OnnxLimits` (checked before allocating).
    case tooLarge(what: String, value: Int, limit: Int)
    /// An operator outside the supported set; its qualified name.
    case unsupportedOperator(String)
    /// The graph, an attribute or a tree breaks the operator's definition.
    case invalid(String)

    public var description: String {
        switch self {
        case .notAModel:
            return "not an ONNX model (the bytes do not decode as an onnx.ModelProto)"
        case let .tooLarge(what, value, limit):
            return "\(what) is \(value), above the maximum of \(limit)"
        case let .unsupportedOperator(op):
            return "the graph uses the operator \(op), which grove import does not read: it reads one ai.onnx.ml "
                + "TreeEnsembleClassifier, TreeEnsembleRegressor or TreeEnsemble, with Cast, Identity, ZipMap "
                + "and ArgMax around it"
        case let .invalid(why):
            return why
        }
    }
}
