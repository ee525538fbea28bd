// BatchWalk: which walk CompiledForest's batch prediction uses (for benchmarks and tests).

/// The batch walk of `CompiledForest.predict(rows:...)`. Both give the same bits.
public enum BatchWalk: Sendable {
    /// The C walk over integer keys when the forest allows it (no missing-right node, at
    /// most `GROVE_WALK_MAX_FEATURES` features), else the Swift walk.
    case fastest
    /// Always the Swift walk over doubles (the baseline `grove bench` compares against).
    case swift
}
