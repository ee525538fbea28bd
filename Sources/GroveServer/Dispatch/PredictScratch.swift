// PredictScratch: a loop's reusable buffers for predictions, so the hot path allocates nothing.

/// Grows to the largest request seen and is reused for every request after it.
/// One per loop; never shared across threads.
final class PredictScratch {
    private(set) var outputs = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private(set) var classes = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
    /// Encoded rows of raw records.
    private(set) var inputs = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)

    deinit {
        outputs.deallocate()
        classes.deallocate()
        inputs.deallocate()
    }

    /// Makes room for `count` encoded input values.
    func reserve(inputCount count: Int) {
        if inputs.count < count { inputs.deallocate(); inputs = .allocate(capacity: Self.grown(count)) }
    }

    /// Makes room for `outputCount` outputs and `classCount` class indices.
    func reserve(outputCount: Int, classCount: Int) {
        if outputs.count < outputCount { outputs.deallocate(); outputs = .allocate(capacity: Self.grown(outputCount)) }
        if classes.count < classCount { classes.deallocate(); classes = .allocate(capacity: Self.grown(classCount)) }
    }

    private static func grown(_ n: Int) -> Int { max(64, n + n / 2) }
}

@available(*, unavailable)
extension PredictScratch: Sendable {}
