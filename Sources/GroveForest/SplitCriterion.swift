// Impurity criterion used to choose splits.

/// Split quality measure; raw values are the model-file strings.
public enum SplitCriterion: String, Sendable, Hashable, CustomStringConvertible {
    case gini
    case entropy
    case squaredError = "squared_error"

    public var description: String { rawValue }

    /// Whether the criterion fits `task`.
    public func suits(_ task: ModelTask) -> Bool {
        (self == .squaredError) == (task == .regression)
    }
}
