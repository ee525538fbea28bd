// OnnxNode: one operator application (NodeProto).

/// One node of an ONNX graph: operator `domain`/`opType`, its value names and attributes.
public struct OnnxNode: Sendable {
    public var name: String
    public var opType: String
    /// "" (or "ai.onnx") for the standard operators, "ai.onnx.ml" for the ML ones.
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: OnnxAttribute]

    /// The operator as people name it: "ai.onnx.ml.TreeEnsembleClassifier", "Cast".
    public var qualifiedName: String { domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain).\(opType)" }
}
