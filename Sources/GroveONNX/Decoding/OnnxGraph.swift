// OnnxGraph: a graph's nodes, inputs and outputs (GraphProto).

/// The computation graph of an ONNX model: nodes in file order (ONNX requires a
/// topological order), the graph inputs (initializers excluded) and outputs, and the
/// numeric initializers (constants) by name.
public struct OnnxGraph: Sendable {
    public var name: String
    public var nodes: [OnnxNode]
    public var inputs: [OnnxValueInfo]
    public var outputs: [OnnxValueInfo]
    public var initializers: [String: OnnxTensor]
}
