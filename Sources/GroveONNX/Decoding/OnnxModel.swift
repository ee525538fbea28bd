// OnnxModel: the parts of an ONNX ModelProto that `grove import` reads, as Swift values.

/// A decoded ONNX model: who wrote it, the operator sets it imports, and its graph.
public struct OnnxModel: Sendable {
    public var irVersion: Int64
    public var producerName: String
    public var producerVersion: String
    /// Operator-set imports: domain ("" is ai.onnx) -> version.
    public var opsets: [String: Int64]
    /// ModelProto.metadata_props.
    public var metadata: [String: String]
    public var graph: OnnxGraph

    /// Version of `domain` the model imports ("ai.onnx.ml" for the tree ensembles).
    public func opsetVersion(_ domain: String) -> Int64? {
        opsets[domain] ?? (domain == "ai.onnx" ? opsets[""] : nil)
    }
}
