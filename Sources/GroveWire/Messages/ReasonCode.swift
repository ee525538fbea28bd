// ReasonCode: one reason on the wire (proto `Reason`).

/// An input column that pushed the explained output up, with its wording.
public struct ReasonCode: Equatable, Sendable {
    public var column: String
    public var contribution: Double
    /// The row's value as text ("missing", "missing (filled with M)" when absent).
    public var value: String
    public var code: String
    public var text: String

    public init(column: String, contribution: Double, value: String, code: String = "", text: String = "") {
        self.column = column
        self.contribution = contribution
        self.value = value
        self.code = code
        self.text = text
    }
}
