// InputNote: one input a record did not supply as a usable value, which encoding filled in.

/// What `Preprocessing.encode(record:into:row:notes:)` had to fill in for one column of one
/// row. Nothing is guessed silently: each fill is noted, and a strict caller refuses the row.
/// A value of the wrong kind is never a note: it is an error (`PreprocessingError.notNumeric`,
/// `.notCategorical`).
public struct InputNote: Equatable, Sendable, CustomStringConvertible {
    /// The numbers are grove.proto's `InputNote.Kind`.
    public enum Kind: UInt32, Equatable, Sendable {
        /// A kind this version does not know (read from the wire).
        case unspecified = 0
        /// Sent as missing (missing, NaN, "", "NA" or "?"): a numeric column takes the
        /// training mean, a categorical one all-zero indicators.
        case missing = 1
        /// Not named by the record at all; filled as `missing` is.
        case absent = 2
        /// A categorical value not seen at training (`value`): all-zero indicators.
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

    /// Row index within the request.
    public var row: UInt32
    /// Raw input column (records) or encoded feature name (dense rows).
    public var column: String
    public var kind: Kind
    /// The value sent (unseen categories); empty otherwise.
    public var value: String

    public init(row: UInt32, column: String, kind: Kind, value: String = "") {
        self.row = row
        self.column = column
        self.kind = kind
        self.value = value
    }

    public var description: String {
        switch kind {
        case .missing: return "row \(row): \(column) missing (filled)"
        case .absent: return "row \(row): \(column) absent (filled)"
        case .unseenCategory: return "row \(row): \(column) has unseen category \"\(value)\""
        case .unspecified: return "row \(row): \(column)"
        }
    }

    /// A one-line summary of `notes` for an error message, grouped by row and kind, every
    /// column named for the first `rowLimit` rows with notes, then a count of the rest:
    /// `row 0: absent: a, b; unseen category: housing "castle"`.
    public static func summary(_ notes: [InputNote], rowLimit: Int = 5) -> String {
        var parts: [String] = []
        var rows = 0
        var index = 0
        while index < notes.count {
            let row = notes[index].row
            var end = index
            while end < notes.count && notes[end].row == row { end += 1 }
            rows += 1
            if rows <= rowLimit {
                let group = notes[index..<end]
                var kinds: [String] = []
                let missing = group.filter { $0.kind == .missing }.map(\.column)
                let absent = group.filter { $0.kind == .absent }.map(\.column)
                let unseen = group.filter { $0.kind == .unseenCategory }.map { "\($0.column) \"\($0.value)\"" }
                if !missing.isEmpty { kinds.append("missing: " + missing.joined(separator: ", ")) }
                if !absent.isEmpty { kinds.append("absent: " + absent.joined(separator: ", ")) }
                if !unseen.isEmpty { kinds.append("unseen category: " + unseen.joined(separator: ", ")) }
                parts.append("row \(row): " + kinds.joined(separator: "; "))
            }
            index = end
        }
        if rows > rowLimit { parts.append("and \(rows - rowLimit) more row(s)") }
        return parts.joined(separator: " | ")
    }
}
