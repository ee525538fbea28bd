// GroveClientError: everything a call can fail with, as a small closed enum.

import GroveWire

public enum GroveClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered with a non-OK status (its code and message).
    case server(Status)
    /// The call did not complete before its deadline.
    case deadlineExceeded
    /// No endpoint could be reached; the last failure is described.
    case unavailable(String)
    /// The server sent something that is not a valid response (framing or decoding).
    case protocolViolation(String)
    /// The response does not answer this call (wrong id or result kind).
    case unexpectedResponse(String)
    /// A client-side argument is invalid (no endpoints, a bad address).
    case invalidArgument(String)

    /// The gRPC status code this error corresponds to.
    public var code: StatusCode {
        switch self {
        case let .server(status): return status.code
        case .deadlineExceeded: return .deadlineExceeded
        case .unavailable: return .unavailable
        case .protocolViolation, .unexpectedResponse: return .internal
        case .invalidArgument: return .invalidArgument
        }
    }

    public var description: String {
        switch self {
        case let .server(status): return "server: \(status)"
        case .deadlineExceeded: return "DEADLINE_EXCEEDED: the call did not complete in time"
        case let .unavailable(m): return "UNAVAILABLE: \(m)"
        case let .protocolViolation(m): return "protocol violation: \(m)"
        case let .unexpectedResponse(m): return "unexpected response: \(m)"
        case let .invalidArgument(m): return "INVALID_ARGUMENT: \(m)"
        }
    }
}
