// RawRecord+Forest: wire records <-> the forest's raw values, and table rows as records.

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
