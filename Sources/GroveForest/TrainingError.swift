// Errors from training a forest.

/// Why training could not run.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidParameter(String)
    case noRows
    case noFeatures
    case targetCountMismatch(rows: Int, targets: Int)
    case badTarget(row: Int)
    case tooManyRows(Int)
    case nonFiniteFeature(row: Int, feature: Int)
    case cancelled

    public var description: String {
        switch self {
        case let .invalidParameter(s): return "invalid training parameter: \(s)"
        case .noRows: return "no training rows"
        case .noFeatures: return "no features"
        case let .targetCountMismatch(r, t): return "\(r) feature rows but \(t) targets"
        case let .badTarget(row): return "row \(row + 1) has an invalid target (class out of range or not finite)"
        case let .tooManyRows(n): return "\(n) rows exceed the limit of 2^31 - 1"
        case let .nonFiniteFeature(row, feature):
            return "row \(row + 1), feature \(feature): infinite values cannot be trained on (NaN = missing is fine)"
        case .cancelled: return "training was cancelled"
        }
    }
}
