// What a model predicts: class probabilities or a number.

/// The learning task of a model.
public enum ModelTask: String, Sendable, Hashable, CustomStringConvertible {
    case classification
    case regression

    public var description: String { rawValue }
}
