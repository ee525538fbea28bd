// MessageDecodeError: why a frame body could not be read as a message.

/// protobuf-c's unpack returns NULL without a reason; Grove maps that to
/// `invalid` or (when our own memory bound refused it) `tooComplex`. Client
/// text (`bytes` fields) that is not what a string may be is refused too.
public enum MessageDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a valid protobuf encoding of `message`.
    case invalid(message: String)
    /// Decoding would take more memory than the configured bound.
    case tooComplex(message: String, limit: Int)
    /// A text field (named as in the schema, e.g. "Field.name") holds a NUL byte.
    case nulInText(field: String)
    /// A text field holds bytes that are not UTF-8.
    case invalidUTF8(field: String)

    public var description: String {
        switch self {
        case let .invalid(message):
            return "the frame body is not a valid \(message) message"
        case let .tooComplex(message, limit):
            return "the \(message) message expands beyond \(limit) bytes when decoded"
        case let .nulInText(field):
            return "\(field) holds a NUL byte; text is taken exactly as sent, never cut at a NUL"
        case let .invalidUTF8(field):
            return "\(field) is not valid UTF-8"
        }
    }
}
