// PredictScratch: a loop's reusable buffers for predictions, so the hot path allocates nothing.

import GroveForest
import GroveWire

/// Grows to the largest request seen and is reused for every request after it.
/// One per loop; never shared across threads.
final class PredictScratch {
    private(set) var outputs = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private(set) var classes = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
    /// The rows to score: raw records encoded, or dense values copied from the frame.
    private(set) var inputs = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    /// Explanation working memory (inline reasons, explain calls), kept while it fits the
    /// explainer asked for, so explaining a row allocates no scratch after the first call.
    private var explanation: ExplainScratch?
    /// Inline reasons (the dense hot path): one row's SHAP values per encoded feature and per
    /// input column, the reasons' columns, and the packed reason lists.
    private(set) var phi = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private(set) var columns = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private(set) var reasonColumns = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    let reasons = ReasonListBuffer()
    /// The Explain hot path's answer rows.
    let explainRows = ExplainRowBuffer()

    deinit {
        outputs.deallocate()
        classes.deallocate()
        inputs.deallocate()
        phi.deallocate()
        columns.deallocate()
        reasonColumns.deallocate()
    }

    /// Makes room for one row's explanation: `features` encoded features, `columns` input
    /// columns, `reasons` reason columns.
    func reserve(features: Int, columns columnCount: Int, reasons: Int) {
        if phi.count < features { phi.deallocate(); phi = .allocate(capacity: Self.grown(features)) }
        if columns.count < columnCount { columns.deallocate(); columns = .allocate(capacity: Self.grown(columnCount)) }
        if reasonColumns.count < reasons { reasonColumns.deallocate(); reasonColumns = .allocate(capacity: Self.grown(reasons)) }
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

    /// This loop's explanation scratch, replaced by a larger one when `explainer` does not fit;
    /// it shares the process's explanation helper (a second core for each row, when idle).
    func explainScratch(for explainer: ForestExplainer) -> ExplainScratch {
        if let explanation, explanation.fits(explainer) { return explanation }
        let made = ExplainScratch(for: explainer)
        made.helper = ExplainHelper.serving
        explanation = made
        return made
    }

    private static func grown(_ n: Int) -> Int { max(64, n + n / 2) }
}

@available(*, unavailable)
extension PredictScratch: Sendable {}
