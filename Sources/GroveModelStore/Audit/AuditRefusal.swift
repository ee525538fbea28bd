// AuditRefusal: why the audit log did not take a record (so the prediction must not be served).

public enum AuditRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The queue is full: the writer is behind; a retry may succeed.
    case behind
    /// The log failed (write, sync, head or rotation) and stays unusable until restart.
    case failed(String)

    public var description: String {
        switch self {
        case .behind: return "the audit log is behind; the prediction was not served, retry later"
        case let .failed(reason): return "audit log unavailable: \(reason); the prediction was not served"
        }
    }
}
