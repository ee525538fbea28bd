// SplitPaths: the thresholds that choose between the equivalent split-search code paths.

/// Thresholds choosing how a node's split search runs. Every path enumerates exactly the
/// boundaries between the non-empty bins of a feature and sums the same weights in the same
/// order, so the paths only change speed (a test forces each one and compares the trees).
///
/// - dense histogram vs sorted groups: a candidate feature with `bins` bins in a node of
///   `rows` samples gets a dense histogram (one pass over the samples for all such features)
///   when `bins <= denseBinsPerRow * rows` or `bins <= denseAlwaysBins`; otherwise its node
///   samples are sorted by bin.
/// - two-copy histograms: two-class nodes of at least `twoCopyMinRows` samples count even
///   and odd samples into two copies (fewer store-to-load chains when neighbours share a bin).
/// - marked batch: two-class dense nodes of fewer than `markedBatchMaxRows` samples count
///   into histograms kept zero between uses and mark each bin a sample reaches in a bit
///   set as they go, so neither zeroing nor finding the non-empty bins costs a pass over
///   every bin (the same counts, bits and scan as the dense path).
/// - marked bins: with `markedBins`, a two-class feature that is not dense gets its groups
///   from packed counts whose non-empty bins are marked in a bit set, instead of by sorting
///   its samples (the same groups in the same order, scored the same way).
struct SplitPaths: Sendable, Equatable {
    var denseBinsPerRow: Int
    var denseAlwaysBins: Int
    var twoCopyMinRows: Int
    var markedBins: Bool = true
    var markedBatchMaxRows: Int = 0

    /// The measured crossovers (German credit and synthetic data, 1k-300k rows).
    static let measured = SplitPaths(denseBinsPerRow: 4, denseAlwaysBins: 8, twoCopyMinRows: 512,
                                     markedBatchMaxRows: 256)
    /// Every feature through a dense histogram, one copy.
    static let denseOnly = SplitPaths(denseBinsPerRow: 0, denseAlwaysBins: .max, twoCopyMinRows: .max)
    /// Every feature through a dense histogram, two copies whenever two-class.
    static let twoCopyOnly = SplitPaths(denseBinsPerRow: 0, denseAlwaysBins: .max, twoCopyMinRows: 0)
    /// Every feature through a dense histogram, every two-class node a marked batch.
    static let markedBatchOnly = SplitPaths(denseBinsPerRow: 0, denseAlwaysBins: .max, twoCopyMinRows: .max,
                                            markedBatchMaxRows: .max)
    /// Every feature through sorted groups (marked bins for two classes; no dense histograms).
    static let sortedOnly = SplitPaths(denseBinsPerRow: 0, denseAlwaysBins: 0, twoCopyMinRows: .max)
    /// Every feature's samples sorted by bin, two classes included.
    static let sortingOnly = SplitPaths(denseBinsPerRow: 0, denseAlwaysBins: 0, twoCopyMinRows: .max, markedBins: false)
    /// The measured crossovers, sorting where they choose sorted groups.
    static let measuredSorting = SplitPaths(denseBinsPerRow: 4, denseAlwaysBins: 8, twoCopyMinRows: 512, markedBins: false,
                                            markedBatchMaxRows: 256)

    /// Whether a feature with `bins` bins gets a dense histogram in a node of `rows` samples.
    @inline(__always)
    func dense(bins: Int, rows: Int) -> Bool {
        bins <= denseAlwaysBins || bins <= denseBinsPerRow &* rows
    }
}
