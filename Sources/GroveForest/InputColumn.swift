// One raw input column of a model's schema and how it is encoded.

/// A raw input column as learned at training (proto `InputColumn`).
///
/// Numeric: one feature; a missing value becomes `fillValue` (the training mean).
/// Categorical: one 0/1 feature per entry of `categories` (sorted as pandas sorts
/// strings); a missing or unseen category becomes all zeros.
public struct InputColumn: Sendable, Hashable {
    public var name: String
    public var kind: ColumnKind
    public var categories: [String]
    public var fillValue: Double

    public init(name: String, kind: ColumnKind, categories: [String] = [], fillValue: Double = 0) {
        self.name = name
        self.kind = kind
        self.categories = categories
        self.fillValue = fillValue
    }

    /// Number of encoded features this column produces.
    public var featureCount: Int { kind == .numeric ? 1 : categories.count }
}
