// Errors from calling the inference engine with wrongly sized buffers.

/// Why a prediction call was refused (nothing is computed).
public enum InferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case rowTooShort(needed: Int, got: Int)
    case outputTooSmall(needed: Int, got: Int)
    case badRowCount(rows: Int, values: Int, featureCount: Int)

    public var description: String {
        switch self {
        case let .rowTooShort(n, g): return "row has \(g) features, the model needs \(n)"
        case let .outputTooSmall(n, g): return "output buffer holds \(g) values, \(n) needed"
        case let .badRowCount(r, v, f): return "\(r) rows of \(f) features need \(r * f) values, got \(v)"
        }
    }
}
