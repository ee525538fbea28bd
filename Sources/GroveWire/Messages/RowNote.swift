// RowNote: one input the server filled in for a row of a prediction (PredictResponse.notes).

/// The wire form of an input note (grove.proto `InputNote`; the server makes them from
/// GroveForest's `InputNote`, which the client library does not link): which row and column the
/// server had to fill in, and why. A strict request turns any note into INVALID_ARGUMENT.
public struct RowNote: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: UInt32, Equatable, Sendable {
        case unspecified = 0
        /// Sent as missing; filled (training mean, or all-zero indicators).
        case missing = 1
        /// Not named by the record; filled as missing is.
        case absent = 2
        /// A category not seen at training (`value`); all-zero indicators.
        case unseenCategory = 3

        /// The schema's name (grove.proto `InputNote.Kind`).
        public var name: String {
            switch self {
            case .unspecified: return "KIND_UNSPECIFIED"
            case .missing: return "MISSING"
            case .absent: return "ABSENT"
            case .unseenCategory: return "UNSEEN_CATEGORY"
            }
        }
    }

    /// Row index within the request (0-based).
    public var row: UInt32
    /// Raw input column (records) or encoded feature name (dense rows).
    public var column: String
    public var kind: Kind
    /// The value sent, for `unseenCategory`.
    public var value: String

    public init(row: UInt32, column: String, kind: Kind, value: String = "") {
        self.row = row
        self.column = column
        self.kind = kind
        self.value = value
    }

    public var description: String {
        switch kind {
        case .missing: return "row \(row): \(column) missing, filled"
        case .absent: return "row \(row): \(column) absent, filled"
        case .unseenCategory: return "row \(row): \(column) has the unseen category \"\(value)\""
        case .unspecified: return "row \(row): \(column)"
        }
    }
}
