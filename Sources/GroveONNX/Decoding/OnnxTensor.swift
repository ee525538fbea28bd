// OnnxTensor: a dense numeric tensor attribute (TensorProto), values widened to Double.

/// A numeric tensor. `values` holds every element in row-major order, widened exactly
/// to `Double` (float, double, int8...int64, uint8...uint32; int64 beyond 2^53 is refused
/// by the decoder). `dataType` is TensorProto.DataType.
public struct OnnxTensor: Sendable {
    public static let float: Int32 = 1
    public static let uint8: Int32 = 2
    public static let int32: Int32 = 6
    public static let int64: Int32 = 7
    public static let string: Int32 = 8
    public static let double: Int32 = 11

    public var dataType: Int32
    public var dims: [Int64]
    public var values: [Double]
}
