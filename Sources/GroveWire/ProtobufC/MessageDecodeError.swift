// MessageDecodeError: why a frame body could not be read as a message.

/// protobuf-c's unpack returns NULL without a reason; Grove maps that to one
/// of these two cases (the second when our own memory bound refused it).
public enum MessageDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a valid protobuf encoding of `message`.
    case invalid(message: String)
    /// Decoding would take more memory than the configured bound.
    case tooComplex(message: String, limit: Int)

    public var description: String {
        switch self {
        case let .invalid(message):
            return "the frame body is not a valid \(message) message"
        case let .tooComplex(message, limit):
            return "the \(message) message expands beyond \(limit) bytes when decoded"
        }
    }
}
