// How a forest combines its trees' leaf vectors, and the output link.

/// How tree outputs combine (proto `Forest.Aggregation`).
public enum ForestAggregation: String, Sendable, Hashable {
    /// Random forest: the mean of the trees' leaf vectors.
    case average
    /// Boosting: base score + the sum of the trees' leaf vectors, then the link.
    case sum
}

/// The function applied to the combined outputs (proto `Forest.Link`).
public enum ForestLink: String, Sendable, Hashable {
    case identity
    /// 1 / (1 + exp(-x)) on a single output.
    case logistic
    /// Softmax across outputs.
    case softmax
}
