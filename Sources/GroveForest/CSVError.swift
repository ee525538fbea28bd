// Errors from reading CSV data; every row-level error names its physical line and column.

/// Why a CSV file or buffer could not be read. Lines and columns are 1-based; lines are
/// physical lines of the file (a quoted field may span several).
public enum CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read.
    case cannotRead(path: String, reason: String)
    /// There is no header row.
    case noHeader
    /// Two header fields have the same name.
    case duplicateColumn(name: String, column: Int)
    /// A row has a different number of fields than the header; `column` is the first
    /// missing or extra column.
    case wrongFieldCount(line: Int, column: Int, expected: Int, found: Int)
    /// A quoted field has no closing quote before the end of the input.
    case unterminatedQuote(line: Int, column: Int)
    /// Something other than a delimiter or line end follows a closing quote.
    case characterAfterQuote(line: Int, column: Int)
    /// A column declared numeric holds a value that is not a finite number.
    case notNumeric(line: Int, column: Int, name: String, value: String)
    /// A kind override names a column the header does not have.
    case unknownColumn(name: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "cannot read CSV file \(path): \(reason)"
        case .noHeader:
            return "CSV input is empty: expected a header row"
        case let .duplicateColumn(name, column):
            return "CSV header: column \(column) repeats the name \"\(name)\""
        case let .wrongFieldCount(line, column, expected, found):
            return "CSV line \(line), column \(column): expected \(expected) fields, found \(found)"
        case let .unterminatedQuote(line, column):
            return "CSV line \(line), column \(column): quoted field is not closed before the end of the input"
        case let .characterAfterQuote(line, column):
            return "CSV line \(line), column \(column): unexpected character after a closing quote"
        case let .notNumeric(line, column, name, value):
            return "CSV line \(line), column \(column) (\(name)): \"\(value)\" is not a finite number"
        case let .unknownColumn(name):
            return "CSV: no column named \"\(name)\""
        }
    }
}

extension CSVError {
    /// The same error with its line moved by `shift` (a chunk's lines to the file's).
    func movingLines(by shift: Int) -> CSVError {
        switch self {
        case let .wrongFieldCount(line, column, expected, found):
            return .wrongFieldCount(line: line + shift, column: column, expected: expected, found: found)
        case let .unterminatedQuote(line, column):
            return .unterminatedQuote(line: line + shift, column: column)
        case let .characterAfterQuote(line, column):
            return .characterAfterQuote(line: line + shift, column: column)
        case let .notNumeric(line, column, name, value):
            return .notNumeric(line: line + shift, column: column, name: name, value: value)
        case .cannotRead, .noHeader, .duplicateColumn, .unknownColumn:
            return self
        }
    }
}
