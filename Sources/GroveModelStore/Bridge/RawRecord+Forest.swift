// RawRecord+Forest: wire records and notes <-> the forest's raw values and input notes, and table rows as records.

import GroveForest
import GroveWire

extension RawField.Value {
    /// The wire value of a forest raw value.
    public init(_ value: RawValue) {
        switch value {
        case let .number(x): self = .number(x)
        case let .text(t): self = .text(t)
        case .missing: self = .missing
        }
    }

    /// The forest's raw value (what Preprocessing encodes).
    public var rawValue: RawValue {
        switch self {
        case let .number(x): return .number(x)
        case let .text(t): return .text(t)
        case .missing: return .missing
        }
    }
}

extension RowNote {
    /// The wire form of a note made while encoding a record or a dense row.
    public init(_ note: InputNote) {
        self.init(row: note.row, column: note.column, kind: Kind(rawValue: note.kind.rawValue) ?? .unspecified, value: note.value)
    }
}

extension InputNote {
    /// A note read from the wire, with the forest's names and text (`description`, `Kind.name`).
    public init(_ note: RowNote) {
        self.init(row: note.row, column: note.column, kind: Kind(rawValue: note.kind.rawValue) ?? .unspecified, value: note.value)
    }
}

extension RawRecord {
    /// Row `row` of `table` as a record, leaving out the column named `excluding` (a target).
    public init(row: Int, of table: DataTable, excluding: String? = nil) {
        self.init(table.columns.filter { $0.name != excluding }.map { RawField($0.name, RawField.Value($0.value(at: row))) })
    }

    /// The fields as the forest's record fields, leaving out `excluding`.
    public func recordFields(excluding: String? = nil) -> [RecordField] {
        fields.filter { $0.name != excluding }.map { RecordField(name: $0.name, value: $0.value.rawValue) }
    }
}
