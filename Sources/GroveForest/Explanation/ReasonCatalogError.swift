// Why a reasons file was refused.

/// Errors reading a reasons file (CSV `column,code,text`).
public enum ReasonCatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    /// Not CSV (the reader's error, naming its line).
    case csv(CSVError)
    /// The header is not `column,code,text`.
    case badHeader
    /// `line`: the file's physical line.
    case badLine(line: Int, reason: String)
    case duplicateColumn(line: Int, column: String)

    public var description: String {
        switch self {
        case let .tooLarge(b, l): return "reasons file has \(b) bytes, above the limit \(l)"
        case let .csv(e): return "reasons file: \(e)"
        case .badHeader: return "reasons file: the header must be column,code,text"
        case let .badLine(n, r): return "reasons file line \(n): \(r)"
        case let .duplicateColumn(n, c): return "reasons file line \(n): column \"\(c)\" already has a reason"
        }
    }
}
