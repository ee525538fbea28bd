// FrameLimits: the named bounds every frame is checked against before any allocation.

/// Bounds on the length prefix of a frame.
///
/// A frame is a 4-byte big-endian unsigned length `N` followed by `N` bytes of
/// one protobuf message. `N == 0` and `N > maxFrameBytes` are protocol errors:
/// a reader checks the prefix against these limits before it reserves memory
/// for the body, so a hostile prefix never makes Grove allocate.
public struct FrameLimits: Sendable, Equatable {
    /// Default largest frame body: 4 MiB (about 5,000 encoded 100-feature rows).
    public static let defaultMaxFrameBytes = 4 * 1024 * 1024
    /// Hard ceiling for any configured maximum (the prefix is a UInt32, and
    /// one message may expand several times in memory when decoded).
    public static let absoluteMaxFrameBytes = 256 * 1024 * 1024
    /// Size of the length prefix.
    public static let headerBytes = 4

    /// Largest accepted frame body, in bytes.
    public let maxFrameBytes: Int

    /// - Precondition: `1 <= maxFrameBytes <= absoluteMaxFrameBytes`.
    public init(maxFrameBytes: Int = FrameLimits.defaultMaxFrameBytes) {
        precondition(maxFrameBytes >= 1 && maxFrameBytes <= FrameLimits.absoluteMaxFrameBytes,
                     "maxFrameBytes must be within 1...\(FrameLimits.absoluteMaxFrameBytes)")
        self.maxFrameBytes = maxFrameBytes
    }

    public static let `default` = FrameLimits()
}
