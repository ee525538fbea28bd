// How a binary forest's probabilities are recalibrated (proto `TrainingParams.calibration`).

/// The calibration step `grove train --calibrate` fits on out-of-bag predictions.
/// Raw values are the model-file and command-line strings.
public enum CalibrationMethod: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Probabilities as the forest gives them.
    case none
    /// Platt scaling: a logistic function of the forest's probability (two parameters).
    case platt
    /// Isotonic regression: a non-decreasing step-wise linear map (pool adjacent violators).
    case isotonic

    public var description: String { rawValue }
}
