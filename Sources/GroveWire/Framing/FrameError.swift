// FrameError: why a length prefix was refused.

/// A length prefix that breaks the framing contract. After one of these the
/// byte stream cannot be resynchronised: the connection must be closed (after
/// an error response, where one can be sent).
public enum FrameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The prefix announced an empty frame (N = 0): no message is empty on this wire.
    case zeroLength
    /// The prefix announced more bytes than the configured maximum.
    case tooLarge(length: Int, maximum: Int)

    public var description: String {
        switch self {
        case .zeroLength:
            return "frame length is 0; every frame carries one non-empty message"
        case let .tooLarge(length, maximum):
            return "frame length \(length) exceeds the maximum of \(maximum) bytes"
        }
    }
}
