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
    public static func read(path: String, options: CSVOptions = CSVOptions(), threads: Int = 0) throws -> DataTable {
        try withFileBytes(path: path) { try parse(buffer: $0, options: options, threads: threads) }
    }

    /// The bytes of the file at `path`.
    public static func readFile(path: String) throws -> [UInt8] {
        try withFileBytes(path: path) { Array($0) }
    }

    /// Calls `body` with the file's bytes, read into memory the process owns
    /// (`Syscall.withFileBytes`: a file changed by another process during the read is an
    /// error, and one changed while `body` runs cannot change the bytes it sees). The buffer
    /// is valid only inside `body`.
    public static func withFileBytes<R>(path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        do {
            return try Syscall.withFileBytes(path: path, body)
        } catch let error as SystemCallError {
            throw CSVError.cannotRead(path: path, reason: error.errno.description)
        } catch let error as FileChangedError {
            throw CSVError.cannotRead(path: path, reason: error.reason)
        }
    }

    /// Parses CSV bytes.
    public static func parse(_ bytes: [UInt8], options: CSVOptions = CSVOptions(), threads: Int = 0) throws -> DataTable {
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, options: options, threads: threads) }
    }

    /// Parses CSV text.
    public static func parse(text: String, options: CSVOptions = CSVOptions()) throws -> DataTable {
        try parse(Array(text.utf8), options: options)
    }

    /// Parses CSV bytes in `buffer` (not retained), on up to `threads` threads (0: all
    /// cores); the table and any error are the same for every thread count.
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, options: CSVOptions = CSVOptions(),
                             threads: Int = 0) throws -> DataTable {
        try parse(buffer: buffer, options: options, chunks: Parallel.resolve(threads), minChunkBytes: minChunkBytes)
    }

    /// Bytes of records per chunk below which a file is not split further (a chunk costs a
    /// thread hand-off and a join).
    static let minChunkBytes = 1 << 20

    /// Parses as one chunk, or as up to `chunks` chunks of at least `minChunkBytes` bytes
    /// each on as many threads (tests force small chunks).
    ///
    /// Chunks start after a line feed near equal fractions of the data. Each chunk parses
    /// the records that start before the next chunk's start; a chunk is used only when the
    /// (used) chunk before it stopped exactly at its first record, which shows that it did
    /// not start inside a quoted field. From the first chunk that fails this, the used
    /// chunk before it parses on to the end alone. Chunks are joined in order unless a
    /// column is numeric in one and categorical in another (beyond missing values only) or
    /// needs a rescan; then the file is parsed as one chunk. The first error in file order
    /// is thrown, with its physical line.
    static func parse(buffer: UnsafeBufferPointer<UInt8>, options: CSVOptions, chunks wanted: Int,
                      minChunkBytes: Int) throws -> DataTable {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw CSVError.noHeader }
        let count = buffer.count
        var start = 0
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        var tok = CSVTokenizer(base: base, count: count, start: start, delimiter: options.delimiter)
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
        let dataStart = tok.pos
        let dataLine = tok.line
        // Reserve from an estimate of the row count (newlines in a 64 KiB sample).
        var estimate = 0
        let sampleEnd = min(count, dataStart + 65_536)
        if sampleEnd > dataStart {
            var newlines = 0
            for k in dataStart..<sampleEnd where base[k] == 0x0A { newlines += 1 }
            estimate = Int(Double(newlines) * Double(count - dataStart) / Double(sampleEnd - dataStart) * 1.02) + 16
        }
        func chunk(at offset: Int, line: Int, share: Int) -> CSVChunk {
            CSVChunk(names: names, kinds: options.kinds, base: base, count: count, start: offset, line: line,
                     delimiter: options.delimiter, reserve: estimate / share + 16)
        }

        // Chunk starts: just after a line feed at or after each equal fraction of the data.
        var starts = [dataStart]
        let pieces = min(max(1, wanted), max(1, (count - dataStart) / max(1, minChunkBytes)))
        for i in 1..<max(1, pieces) {
            var at = max(starts[starts.count - 1], dataStart + (count - dataStart) * i / pieces)
            while at < count && base[at] != 0x0A { at += 1 }
            if at + 1 < count { starts.append(at + 1) }
        }
        if starts.count > 1 {
            // The first chunk reserves room for every row: the others are joined onto it.
            let parts = (0..<starts.count).map {
                chunk(at: starts[$0], line: $0 == 0 ? dataLine : 1, share: $0 == 0 ? 1 : starts.count)
            }
            Parallel.forEach(count: parts.count, threads: parts.count) { i in
                do {
                    try parts[i].parse(until: i + 1 < starts.count ? starts[i + 1] : count, missing: missing)
                } catch {
                    parts[i].error = error
                }
            }
            // Walk the chunks in order: `last` is the last chunk known to start on a record.
            var last = parts[0]
            var lineShift = 0   // absolute line = chunk line + lineShift, for `last`
            var used = [parts[0]]
            for next in parts.dropFirst() {
                if let error = last.error { throw CSVReader.shifted(error, by: lineShift) }
                guard last.stoppedAt == next.firstStart else { break }
                lineShift = last.stoppedLine + lineShift - next.firstLine
                last = next
                used.append(next)
            }
            if used.count < parts.count {
                // The chunk after `last` started inside a quoted field: `last` reads on alone.
                do {
                    try last.parse(until: count, missing: missing)
                } catch {
                    throw CSVReader.shifted(error, by: lineShift)
                }
            } else if let error = last.error {
                throw CSVReader.shifted(error, by: lineShift)
            }
            if used.count == 1 { return try finish(used[0], base: base, count: count, dataStart: dataStart,
                                                    dataLine: dataLine, options: options, missing: missing) }
            // Join in order while every column can follow on (a column's kind is settled
            // only by all the chunks before it): the columns on the cores, each on its own.
            if used[0].join(Array(used.dropFirst()), threads: used.count) {
                return try finish(used[0], base: base, count: count, dataStart: dataStart, dataLine: dataLine,
                                  options: options, missing: missing)
            }
        }
        let whole = chunk(at: dataStart, line: dataLine, share: 1)
        try whole.parse(until: count, missing: missing)
        return try finish(whole, base: base, count: count, dataStart: dataStart, dataLine: dataLine,
                          options: options, missing: missing)
    }

    /// `error` with its line moved by `shift` (chunk lines to file lines).
    static func shifted(_ error: Error, by shift: Int) -> Error {
        guard shift != 0, let e = error as? CSVError else { return error }
        return e.movingLines(by: shift)
    }

    /// The table of a chunk that holds every record: columns that turned categorical after
    /// numeric values get their early texts back by a rescan of those rows.
    private static func finish(_ all: CSVChunk, base: UnsafePointer<UInt8>, count: Int, dataStart: Int, dataLine: Int,
                               options: CSVOptions, missing: MissingMarkers) throws -> DataTable {
        let builders = all.builders
        let ncols = all.columns
        let rescan = (0..<ncols).filter { builders[$0].rescanBefore > 0 }
        if !rescan.isEmpty {
            var tok2 = CSVTokenizer(base: base, count: count, start: dataStart, delimiter: options.delimiter)
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
        return DataTable(uncheckedColumns: (0..<ncols).map { builders[$0].finish() }, rowCount: all.rows)
    }
}
