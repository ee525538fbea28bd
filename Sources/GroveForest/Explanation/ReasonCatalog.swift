// The per-model wording of reason codes (REPO/NAME/reasons).

import Synchronization

/// Reason codes and texts per input column, read from a CSV file with the header
/// `column,code,text` (RFC 4180 quoting; later fields after `text` are not allowed).
/// Compliance edits the file; the server reloads it without retraining.
public struct ReasonCatalog: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var code: String
        public var text: String
    }

    public private(set) var entries: [String: Entry]
    /// Which catalog this is: a number no other catalog made in this process has, or 0 for
    /// every empty one, so a cache (`ReasonTexts`) tells catalogs apart without comparing them.
    /// Not part of equality.
    public let generation: UInt64

    /// Largest reasons file read, in bytes.
    public static let maxBytes = 1 << 20

    private static let made = Atomic<UInt64>(0)

    private static func generation(of entries: [String: Entry]) -> UInt64 {
        entries.isEmpty ? 0 : made.add(1, ordering: .relaxed).newValue
    }

    public init(entries: [String: Entry] = [:]) {
        self.entries = entries
        generation = Self.generation(of: entries)
    }

    public static func == (lhs: ReasonCatalog, rhs: ReasonCatalog) -> Bool { lhs.entries == rhs.entries }

    /// Parses a reasons file. Each column at most once; a column not in the model is
    /// allowed (the file can be shared by versions) and simply never used.
    public init(csv text: String) throws {
        let bytes = text.utf8.count
        if bytes > ReasonCatalog.maxBytes { throw ReasonCatalogError.tooLarge(bytes: bytes, limit: ReasonCatalog.maxBytes) }
        let table: DataTable
        do {
            let options = CSVOptions(missingMarkers: [], kinds: ["column": .categorical, "code": .categorical, "text": .categorical])
            table = try CSVReader.parse(text: text, options: options)
        } catch {
            throw ReasonCatalogError.badLine(line: 0, reason: "\(error)")
        }
        guard table.columns.map(\.name) == ["column", "code", "text"] else {
            throw ReasonCatalogError.badLine(line: 1, reason: "the header must be column,code,text")
        }
        func cell(_ c: Int, _ r: Int) -> String {
            if case let .text(s) = table.columns[c].value(at: r) { return s }
            return ""
        }
        var entries: [String: Entry] = [:]
        for r in 0..<table.rowCount {
            let line = r + 2
            let column = cell(0, r), code = cell(1, r), words = cell(2, r)
            if column.isEmpty { throw ReasonCatalogError.badLine(line: line, reason: "empty column name") }
            if entries.updateValue(Entry(code: code, text: words), forKey: column) != nil {
                throw ReasonCatalogError.duplicateColumn(line: line, column: column)
            }
        }
        self.entries = entries
        generation = Self.generation(of: entries)
    }

    /// The entry for `column`, or code "" and the column name as text.
    public func entry(for column: String) -> Entry {
        entries[column] ?? Entry(code: "", text: column)
    }
}
