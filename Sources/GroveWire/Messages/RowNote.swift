// RowNote: one input the server filled in for a row of a prediction (PredictResponse.notes).

/// The wire form of an input note (grove.proto `InputNote`): which row and column the server
/// had to fill in, and why. A strict request turns any note into INVALID_ARGUMENT.
/// GroveForest's `InputNote` is the same note as the encoder makes it; the wire keeps its own
/// type so that the client library links no machine learning. GroveModelStore's bridge
/// converts between the two (`RowNote(_:)`, `InputNote(_:)`), and the text forms live there.
public struct RowNote: Equatable, Sendable {
    /// grove.proto's `InputNote.Kind` numbers (the same as `InputNote.Kind`).
    public enum Kind: UInt32, Equatable, Sendable {
        case unspecified = 0
        /// Sent as missing; filled (training mean, or all-zero indicators).
        case missing = 1
        /// Not named by the record; filled as missing is.
        case absent = 2
        /// A category not seen at training (`value`); all-zero indicators.
        case unseenCategory = 3
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
}
