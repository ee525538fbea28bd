// Why a reasons file was refused.

/// Errors reading a reasons file (CSV `column,code,text`).
public enum ReasonCatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case badLine(line: Int, reason: String)
    case duplicateColumn(line: Int, column: String)

    public var description: String {
        switch self {
        case let .tooLarge(b, l): return "reasons file has \(b) bytes, above the limit \(l)"
        case let .badLine(n, r): return "reasons file line \(n): \(r)"
        case let .duplicateColumn(n, c): return "reasons file line \(n): column \"\(c)\" already has a reason"
        }
    }
}
