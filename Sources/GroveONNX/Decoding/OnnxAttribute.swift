// OnnxAttribute: an attribute value of a node (AttributeProto), numbers widened losslessly.

/// The value of one node attribute. Floats stay `Float` (the file's precision matters:
/// opset-1 tree thresholds are float32); tensors carry their element type.
public enum OnnxAttribute: Sendable {
    case float(Float)
    case int(Int64)
    case string([UInt8])
    case tensor(OnnxTensor)
    case floats([Float])
    case ints([Int64])
    case strings([[UInt8]])
    /// A kind `grove import` never needs (graphs, sparse tensors, types): its AttributeType.
    case unsupported(Int32)
}
