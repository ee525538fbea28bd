// BatchWalk: which walk CompiledForest's predictions use (for benchmarks and tests).

/// The walk of `CompiledForest.predict(rows:...)` and `predict(row:into:)`. Both give the same bits.
public enum BatchWalk: Sendable {
    /// The C walk over integer keys when the forest allows it (at most
    /// `GROVE_WALK_MAX_FEATURES` features; for a batch no missing-right node, for one row no
    /// NaN reaching a missing-right node), else the Swift walk.
    case fastest
    /// Always the Swift walk over doubles (the baseline `grove bench` compares against).
    case swift
    /// As `fastest`, with the batch walk's portable C loop instead of its x86-64 assembly (what
    /// other CPUs run; for tests and benchmarks: both take the same steps).
    case portable
}
