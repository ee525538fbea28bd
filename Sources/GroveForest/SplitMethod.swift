// How candidate thresholds are enumerated.

/// Split finding: "histogram" uses up to `maxBins` quantile bins per feature (computed
/// once); "exact" considers every distinct training value (midpoints between them).
public enum SplitMethod: String, Sendable, Hashable, CustomStringConvertible {
    case exact
    case histogram

    public var description: String { rawValue }
}
