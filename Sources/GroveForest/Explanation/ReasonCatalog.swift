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
    /// allowed (the file can be shared by versions) and simply never used (`unknownColumns`
    /// lists them, for a warning). Errors name the file's physical line (blank lines and
    /// quoted line breaks counted).
    public init(csv text: String) throws {
        let bytes = Array(text.utf8)
        if bytes.count > ReasonCatalog.maxBytes { throw ReasonCatalogError.tooLarge(bytes: bytes.count, limit: ReasonCatalog.maxBytes) }
        let table: DataTable, lines: [Int]
        do {
            let options = CSVOptions(missingMarkers: [], kinds: ["column": .categorical, "code": .categorical, "text": .categorical])
            table = try CSVReader.parse(bytes, options: options, threads: 1)
            lines = try Self.recordLines(bytes)
        } catch CSVError.unknownColumn {
            throw ReasonCatalogError.badHeader
        } catch let error as CSVError {
            throw ReasonCatalogError.csv(error)
        }
        guard table.columns.map(\.name) == ["column", "code", "text"] else { throw ReasonCatalogError.badHeader }
        // The same tokenizer found both: a record per row, after the header's.
        precondition(lines.count == table.rowCount + 1, "reasons file: records and rows disagree")
        func cell(_ c: Int, _ r: Int) -> String {
            if case let .text(s) = table.columns[c].value(at: r) { return s }
            return ""
        }
        var entries: [String: Entry] = [:]
        for r in 0..<table.rowCount {
            let line = lines[r + 1]
            let column = cell(0, r), code = cell(1, r), words = cell(2, r)
            if column.isEmpty { throw ReasonCatalogError.badLine(line: line, reason: "empty column name") }
            if entries.updateValue(Entry(code: code, text: words), forKey: column) != nil {
                throw ReasonCatalogError.duplicateColumn(line: line, column: column)
            }
        }
        self.entries = entries
        generation = Self.generation(of: entries)
    }

    /// The physical line each record of CSV `bytes` starts on, the header's first: as
    /// `CSVReader` reads them (a UTF-8 BOM and blank lines skipped, quoted line breaks inside
    /// a field).
    static func recordLines(_ bytes: [UInt8]) throws -> [Int] {
        try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return [] }
            let bom = buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF
            var tok = CSVTokenizer(base: base, count: buffer.count, start: bom ? 3 : 0, delimiter: 0x2C)
            defer { tok.release() }
            var lines: [Int] = []
            while tok.startRecord() {
                lines.append(tok.line)
                var column = 1
                while try tok.nextField(column: column) == .field { column += 1 }
            }
            return lines
        }
    }

    /// The columns this file has entries for that are not in `columns` (sorted): entries no
    /// explanation uses, perhaps misspelt.
    public func unknownColumns(of columns: [String]) -> [String] {
        let known = Set(columns)
        return entries.keys.filter { !known.contains($0) }.sorted()
    }

    /// The entry for `column`, or code "" and the column name as text.
    public func entry(for column: String) -> Entry {
        entries[column] ?? Entry(code: "", text: column)
    }
}
