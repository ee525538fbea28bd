// FrameEncoder: writes the 4-byte big-endian length prefix in front of a message.

/// Writes frames. A body must be non-empty and at most `limits.maxFrameBytes`
/// (the peer would refuse anything else).
public enum FrameEncoder {
    /// Writes the header for a body of `length` bytes at `destination[0..<4]`.
    /// - Precondition: `destination.count >= 4`, `0 < length <= UInt32.max`.
    @inlinable
    public static func writeHeader(length: Int, into destination: UnsafeMutableRawBufferPointer) {
        precondition(destination.count >= FrameLimits.headerBytes && length > 0 && length <= Int(UInt32.max))
        destination[0] = UInt8(truncatingIfNeeded: length >> 24)
        destination[1] = UInt8(truncatingIfNeeded: length >> 16)
        destination[2] = UInt8(truncatingIfNeeded: length >> 8)
        destination[3] = UInt8(truncatingIfNeeded: length)
    }

    /// Returns `body` with its length prefix.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: FrameLimits.headerBytes + body.count)
        out.withUnsafeMutableBytes { raw in
            writeHeader(length: body.count, into: raw)
            body.withUnsafeBytes { raw.baseAddress!.advanced(by: FrameLimits.headerBytes).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        return out
    }
}
