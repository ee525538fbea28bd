// CSVRecords: a CSV file's rows as raw records, for batch calls.

import ArgumentParser
import GroveForest
import GroveModelStore
import GroveWire

enum CSVRecords {
    /// Every row of `path` (header row first) as a record; missing cells are sent as missing.
    static func read(path: String) throws -> [RawRecord] {
        let table: DataTable
        do {
            table = try CSVReader.read(path: path)
        } catch {
            throw ValidationError("\(path): \(error)")
        }
        return (0..<table.rowCount).map { RawRecord(row: $0, of: table) }
    }
}
