// OnnxLimits: the named maximums `grove import --onnx` enforces before allocating.

/// Bounds on what an ONNX file may ask for. Each is checked before the memory it guards
/// is allocated, so a hostile or corrupt file is refused with bounded memory.
public struct OnnxLimits: Sendable {
    /// Largest ONNX file read (bytes). Tree-ensemble files of the biggest boosted models
    /// in practice (thousands of trees) are tens of MiB.
    public var maxFileBytes = 256 << 20
    /// Bound on the C structures one decode may allocate (protobuf-c, into an arena).
    public var maxDecodedBytes = 1 << 30
    /// Nodes in the graph (operators, not tree nodes).
    public var maxGraphNodes = 64
    /// Tree nodes in the ensemble, as the file lists them.
    public var maxTreeNodes = 8_000_000
    /// Tree nodes after BRANCH_EQ / NEQ / MEMBER nodes are expanded into comparisons.
    public var maxExpandedNodes = 16_000_000
    /// Longest root-to-leaf path.
    public var maxTreeDepth = 2_048
    /// Largest feature index + 1.
    public var maxFeatures = 1 << 20

    public init() {}
}
