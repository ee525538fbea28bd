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
    /// 1 / (1 + exp(-x)) on each output.
    case logistic
    /// Softmax across outputs.
    case softmax
    /// ONNX's SOFTMAX_ZERO: softmax over the non-zero outputs (|x| > 1e-7); zeros stay
    /// zero; all zeros give 0.5 everywhere.
    case softmaxZero
    /// ONNX's PROBIT on each output: 1.41421356 * erfinv(2x - 1), with the approximation
    /// of erfinv (Winitzki, a = 0.147) that the ONNX reference and onnxruntime use: it is
    /// what such a model file means, not the exact inverse normal CDF.
    case probit
}
