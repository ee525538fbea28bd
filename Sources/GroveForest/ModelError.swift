// Inconsistencies between the parts of a trained model.

/// Why `TrainedModel.validate()` refused a model (the forest's own errors are
/// `ForestValidationError`).
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case featureCountMismatch(forest: Int, preprocessing: Int)
    case outputCountMismatch(forest: Int, expected: Int)
    case classesForRegression
    case badChecksumLength(Int)
    case badCalibration(String)
    case calibrationForNonBinary

    public var description: String {
        switch self {
        case let .featureCountMismatch(f, p): return "forest reads \(f) features but preprocessing makes \(p)"
        case let .outputCountMismatch(f, e): return "forest has \(f) outputs, expected \(e)"
        case .classesForRegression: return "a regression model must not list classes"
        case let .badChecksumLength(n): return "training data SHA-256 has \(n) bytes, expected 32 or none"
        case let .badCalibration(s): return "calibration: \(s)"
        case .calibrationForNonBinary: return "calibration applies to two-class models only"
        }
    }
}
