// A column-oriented table of raw values, as read from CSV.

/// Raw tabular data: named columns of equal length.
public struct DataTable: Sendable, Equatable {
    public let columns: [DataColumn]
    public let rowCount: Int

    /// Errors building a table by hand.
    public enum TableError: Error, Equatable, Sendable, CustomStringConvertible {
        case unequalLengths(column: String, expected: Int, found: Int)
        case duplicateColumn(String)
        public var description: String {
            switch self {
            case let .unequalLengths(c, e, f): return "column \"\(c)\" has \(f) rows, expected \(e)"
            case let .duplicateColumn(c): return "column \"\(c)\" appears twice"
            }
        }
    }

    /// Builds a table; all columns must have the same length and distinct names.
    public init(columns: [DataColumn]) throws {
        let n = columns.first?.count ?? 0
        var seen = Set<String>()
        for c in columns {
            if c.count != n { throw TableError.unequalLengths(column: c.name, expected: n, found: c.count) }
            if !seen.insert(c.name).inserted { throw TableError.duplicateColumn(c.name) }
        }
        self.columns = columns
        self.rowCount = n
    }

    init(uncheckedColumns: [DataColumn], rowCount: Int) {
        self.columns = uncheckedColumns
        self.rowCount = rowCount
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// Index of the column named `name`, or nil.
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// The column named `name`, or nil.
    public func column(named name: String) -> DataColumn? {
        columnIndex(named: name).map { columns[$0] }
    }

    /// The table restricted to `rows` (each must be < rowCount), in that order.
    public func selecting(rows: [Int]) -> DataTable {
        DataTable(uncheckedColumns: columns.map { $0.selecting(rows: rows) }, rowCount: rows.count)
    }
}
