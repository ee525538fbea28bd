// A raw (not yet encoded) input value and a named field of a record.

/// One raw input value as it arrives from a client or a CSV cell.
public enum RawValue: Sendable, Hashable {
    case number(Double)
    case text(String)
    case missing
}

/// One named value of a raw record (`Record.fields` on the wire).
public struct RecordField: Sendable, Hashable {
    public var name: String
    public var value: RawValue

    public init(name: String, value: RawValue) {
        self.name = name
        self.value = value
    }
}
