// The kind of a raw input column: numeric or categorical.

/// How a raw column is interpreted: a number per row, or a category label per row.
public enum ColumnKind: String, Sendable, Hashable, CustomStringConvertible {
    case numeric
    case categorical

    public var description: String { rawValue }
}
