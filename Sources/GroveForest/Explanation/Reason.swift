// One reason code: a raw input column that pushed the score up, with its wording.

/// A principal reason for a score: an input column whose contribution pushes the
/// explained output (the adverse class) up. `code` and `text` come from the model's
/// reasons file (`ReasonCatalog`); a column without an entry has code "" and its name
/// as text.
public struct Reason: Sendable, Equatable {
    public var column: String
    public var contribution: Double
    /// The value the row had, as text: the number or category, "missing" (categorical),
    /// or "missing (filled with M)" for a numeric value the model replaced by the
    /// training mean M.
    public var value: String
    public var code: String
    public var text: String

    public init(column: String, contribution: Double, value: String, code: String, text: String) {
        self.column = column
        self.contribution = contribution
        self.value = value
        self.code = code
        self.text = text
    }
}
