// FrameDecoder: splits a byte stream into length-prefixed frames, with three outcomes.

/// The outcome of looking for one frame at the start of some bytes.
public enum FrameDecoderResult: Equatable, Sendable {
    /// Not enough bytes yet. `totalBytes` is how many bytes (from the start,
    /// header included) the next frame needs, once the header is known; nil
    /// while even the header is incomplete. The length has already been
    /// checked, so a reader may reserve `totalBytes` safely.
    case needMoreData(totalBytes: Int?)
    /// A complete frame: the body's bytes are at `body` (offsets into the
    /// input) and the frame ends at `body.upperBound`.
    case frame(body: Range<Int>)
    /// The length prefix is invalid; the stream cannot continue.
    case error(FrameError)
}

/// Finds frames in a buffer. It is stateless: the state "waiting for header"
/// or "waiting for N body bytes" is read from the buffered bytes each time,
/// so the decoder can be fuzzed on any input and shared freely.
public struct FrameDecoder: Sendable {
    public let limits: FrameLimits

    public init(limits: FrameLimits = .default) {
        self.limits = limits
    }

    /// Looks for one frame at the start of `bytes`.
    ///
    /// Checks the announced length against `limits` before saying how many
    /// bytes are needed, so nothing is allocated for a bad prefix.
    public func decode(_ bytes: UnsafeRawBufferPointer) -> FrameDecoderResult {
        guard bytes.count >= FrameLimits.headerBytes else { return .needMoreData(totalBytes: nil) }
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        if length == 0 { return .error(.zeroLength) }
        if length > limits.maxFrameBytes {
            return .error(.tooLarge(length: length, maximum: limits.maxFrameBytes))
        }
        let total = FrameLimits.headerBytes + length
        guard bytes.count >= total else { return .needMoreData(totalBytes: total) }
        return .frame(body: FrameLimits.headerBytes..<total)
    }

    /// Convenience over an array (tests, tools).
    public func decode(_ bytes: [UInt8]) -> FrameDecoderResult {
        bytes.withUnsafeBytes { decode($0) }
    }
}
