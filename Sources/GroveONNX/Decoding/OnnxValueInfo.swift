// OnnxValueInfo: a graph input or output and its tensor type (ValueInfoProto).

/// A named graph value: its tensor element type (TensorProto.DataType; 0 when not a
/// tensor) and shape (nil entries are symbolic or unknown dimensions).
public struct OnnxValueInfo: Sendable {
    public var name: String
    public var elementType: Int32
    public var dims: [Int64?]
    /// ValueInfoProto.metadata_props.
    public var metadata: [String: String]
}
