// Role: what an API key may do.

/// Roles, from least to most: `predict` may only predict; `read` may call
/// health, list models, model info and stats; `admin` may do everything,
/// including admin calls when the server runs with `--admin`.
public enum Role: String, Sendable, CaseIterable, CustomStringConvertible {
    case predict
    case read
    case admin

    public var description: String { rawValue }
}
