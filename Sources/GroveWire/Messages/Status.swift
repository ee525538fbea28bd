// Status: a status code and its human-readable message.

/// The status of one call: `code` and, when not OK, a message saying what was wrong.
public struct Status: Equatable, Sendable, Error, CustomStringConvertible {
    public var code: StatusCode
    public var message: String

    public init(_ code: StatusCode, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = Status(.ok)

    public var description: String { message.isEmpty ? code.name : "\(code.name): \(message)" }
}
