// RFC 4180 CSV reader working directly on bytes; infers column kinds.

import GroveSystem

/// Reads CSV into a `DataTable`.
///
/// Contract: the first non-empty line is the header; a UTF-8 BOM is skipped; fields may
/// be quoted (`"a,b"`, `"say ""hi"""`, embedded CR/LF); records end with LF, CRLF or CR;
/// blank lines are skipped. Every row must have as many fields as the header. Missing
/// markers (`CSVOptions.missingMarkers`) become NaN / missing codes. A column is numeric
/// when every non-missing value parses as a finite Double, unless `CSVOptions.kinds`
/// forces its kind. Errors name the 1-based physical line and column.
public enum CSVReader {
    /// Reads and parses the file at `path`.
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws -> DataTable {
        try withMappedFile(path: path) { try parse(buffer: $0, options: options) }
    }

    /// The bytes of the file at `path`.
    public static func readFile(path: String) throws -> [UInt8] {
        try withMappedFile(path: path) { Array($0) }
    }

    /// Calls `body` with the file's bytes, memory-mapped read-only (no copy; falls back
    /// to reading when mapping is impossible). The buffer is valid only inside `body`.
    public static func withMappedFile<R>(path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        do {
            return try Syscall.withFileBytes(path: path, body)
        } catch let error as SystemCallError {
            throw CSVError.cannotRead(path: path, reason: error.errno.description)
        }
    }

    /// Parses CSV bytes.
    public static func parse(_ bytes: [UInt8], options: CSVOptions = CSVOptions()) throws -> DataTable {
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, options: options) }
    }

    /// Parses CSV text.
    public static func parse(text: String, options: CSVOptions = CSVOptions()) throws -> DataTable {
        try parse(Array(text.utf8), options: options)
    }

    /// Parses CSV bytes in `buffer` (not retained).
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, options: CSVOptions = CSVOptions()) throws -> DataTable {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw CSVError.noHeader }
        var start = 0
        if buffer.count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        var tok = CSVTokenizer(base: base, count: buffer.count, start: start, delimiter: options.delimiter)
        defer { tok.release() }

        // Header.
        guard tok.startRecord() else { throw CSVError.noHeader }
        var names: [String] = []
        while true {
            let end = try tok.nextField(column: names.count + 1)
            names.append(tok.fieldString())
            if end != .field { break }
        }
        var seen = Set<String>()
        for (i, n) in names.enumerated() where !seen.insert(n).inserted {
            throw CSVError.duplicateColumn(name: n, column: i + 1)
        }
        for name in options.kinds.keys where !seen.contains(name) { throw CSVError.unknownColumn(name: name) }
        let missing = MissingMarkers(options.missingMarkers)
        // Builders live in a raw buffer: mutating them through a pointer avoids the
        // per-field exclusivity and uniqueness checks of class or array storage.
        let builders = UnsafeMutablePointer<CSVColumnBuilder>.allocate(capacity: names.count)
        for (i, name) in names.enumerated() {
            (builders + i).initialize(to: CSVColumnBuilder(name: name, column: i + 1, forced: options.kinds[name]))
        }
        defer {
            for i in 0..<names.count { builders[i].release() }
            builders.deinitialize(count: names.count)
            builders.deallocate()
        }
        let dataStart = tok.pos
        let dataLine = tok.line
        // Reserve from an estimate of the row count (newlines in a 64 KiB sample).
        let sampleEnd = min(buffer.count, dataStart + 65_536)
        if sampleEnd > dataStart {
            var newlines = 0
            for k in dataStart..<sampleEnd where base[k] == 0x0A { newlines += 1 }
            let estimate = Int(Double(newlines) * Double(buffer.count - dataStart) / Double(sampleEnd - dataStart) * 1.02) + 16
            for i in 0..<names.count { builders[i].reserve(estimate) }
        }

        // Data rows.
        let ncols = names.count
        var row = 0
        while tok.startRecord() {
            let rowLine = tok.line
            var col = 0
            while true {
                let end = try tok.nextField(column: col + 1)
                if col < ncols {
                    try builders[col].add(tok.fieldPointer, tok.fieldLength, row: row, line: tok.fieldLine,
                                          isMissing: missing.matches(tok.fieldPointer, tok.fieldLength))
                }
                col += 1
                if end != .field { break }
            }
            if col != ncols {
                throw CSVError.wrongFieldCount(line: rowLine, column: min(col, ncols) + 1, expected: ncols, found: col)
            }
            row += 1
        }

        // Columns that turned categorical after numeric values: recover their text.
        let rescan = (0..<names.count).filter { builders[$0].rescanBefore > 0 }
        if !rescan.isEmpty {
            var tok2 = CSVTokenizer(base: base, count: buffer.count, start: dataStart, delimiter: options.delimiter)
            tok2.line = dataLine
            defer { tok2.release() }
            let limit = rescan.map { builders[$0].rescanBefore }.max() ?? 0
            var wanted = [Bool](repeating: false, count: ncols)
            for c in rescan { wanted[c] = true }
            var r = 0
            while r < limit, tok2.startRecord() {
                var col = 0
                while true {
                    let end = try tok2.nextField(column: col + 1)
                    if col < ncols, wanted[col], r < builders[col].rescanBefore {
                        builders[col].recode(tok2.fieldPointer, tok2.fieldLength, row: r,
                                             isMissing: missing.matches(tok2.fieldPointer, tok2.fieldLength))
                    }
                    col += 1
                    if end != .field { break }
                }
                r += 1
            }
        }
        return DataTable(uncheckedColumns: (0..<names.count).map { builders[$0].finish() }, rowCount: row)
    }
}
