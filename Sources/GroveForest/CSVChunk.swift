// CSVChunk: one run of CSV records parsed by its own tokenizer into its own column builders.

/// A stretch of CSV records parsed into a private set of column builders (one per header
/// column). `CSVReader` parses a file as one chunk, or as several chunks on several
/// threads, one thread per chunk, then joins them in file order.
///
/// A chunk that starts at an arbitrary line start may have started inside a quoted field;
/// it is trusted only when the chunk before it, which knows the true record boundaries,
/// stopped exactly where this chunk's first record starts (`CSVReader` checks that). Lines
/// are counted from the chunk's own start (line 1) until `lineShift` is known.
final class CSVChunk {
    let columns: Int
    let builders: UnsafeMutablePointer<CSVColumnBuilder>
    var tok: CSVTokenizer
    /// Records parsed.
    private(set) var rows = 0
    /// Where the first record this chunk did not parse starts (or the end of the input),
    /// and the tokenizer's line there.
    private(set) var stoppedAt = 0
    private(set) var stoppedLine = 0
    /// Where this chunk's first record starts (blank lines skipped; the end of the input
    /// if none), and the tokenizer's line there.
    let firstStart: Int
    let firstLine: Int
    /// The error that stopped this chunk, if any (its lines relative to the chunk).
    var error: Error?

    init(names: [String], kinds: [String: ColumnKind], base: UnsafePointer<UInt8>, count: Int, start: Int,
         line: Int, delimiter: UInt8, reserve: Int) {
        columns = names.count
        builders = UnsafeMutablePointer<CSVColumnBuilder>.allocate(capacity: names.count)
        for (i, name) in names.enumerated() {
            (builders + i).initialize(to: CSVColumnBuilder(name: name, column: i + 1, forced: kinds[name]))
            if reserve > 0 { builders[i].reserve(reserve) }
        }
        tok = CSVTokenizer(base: base, count: count, start: start, delimiter: delimiter)
        tok.line = line
        firstStart = tok.startRecord() ? tok.pos : count
        firstLine = tok.line
    }

    deinit {
        tok.release()
        for i in 0..<columns { builders[i].release() }
        builders.deinitialize(count: columns)
        builders.deallocate()
    }

    /// Parses the records that start before `limit` (a record that starts before it is read
    /// whole, even past it); then `stoppedAt` is the start of the next record.
    func parse(until limit: Int, missing: MissingMarkers) throws {
        // The tokenizer and row count live in locals while parsing: a class's stored
        // properties would be checked for exclusive access on every field.
        var tok = self.tok
        var rows = self.rows
        defer {
            self.tok = tok
            self.rows = rows
        }
        let ncols = columns
        let builders = self.builders
        // Numbers written plainly are parsed in the pass that finds their end, when no missing
        // marker is a number and the delimiter cannot continue one (else every field is read
        // first and parsed after).
        let plain = !missing.anyNumber && CSVTokenizer.delimiterEndsNumbers(tok.delimiter)
        while tok.startRecord() {
            if tok.pos >= limit {
                stoppedAt = tok.pos
                stoppedLine = tok.line
                return
            }
            let rowLine = tok.line
            var col = 0
            while true {
                let end: CSVTokenizer.End
                if plain && col < ncols && builders[col].isNumeric, let number = tok.nextPlainNumber() {
                    builders[col].addNumber(number.value)
                    end = number.end
                } else {
                    end = try tok.nextField(column: col + 1)
                    if col < ncols {
                        try builders[col].add(tok.fieldPointer, tok.fieldLength, row: rows, line: tok.fieldLine,
                                              isMissing: missing.matches(tok.fieldPointer, tok.fieldLength))
                    }
                }
                col += 1
                if end != .field { break }
            }
            if col != ncols {
                throw CSVError.wrongFieldCount(line: rowLine, column: min(col, ncols) + 1, expected: ncols, found: col)
            }
            rows += 1
        }
        stoppedAt = tok.count
        stoppedLine = tok.line
    }

    /// Appends the rows of `chunks`, in order, when every column can take each chunk's after
    /// the ones before (`CSVColumnBuilder.canAppend`: the same kind, or one side only missing
    /// values, and no rescan, which only a serial pass restores in the serial order); categories
    /// keep their first-seen order. Columns are joined on up to `threads` threads, each column
    /// on its own (a column's kinds depend on its own chunks only). Returns false when some
    /// column cannot take some chunk: then this chunk's columns are left part-joined, for the
    /// caller to drop.
    func join(_ chunks: [CSVChunk], threads: Int) -> Bool {
        let builders = self.builders
        var refused = [Bool](repeating: false, count: columns)
        refused.withUnsafeMutableBufferPointer { refused in
            Parallel.forEach(count: columns, threads: threads) { c in
                for next in chunks {
                    guard builders[c].canAppend(next.builders[c]) else {
                        refused[c] = true
                        return
                    }
                    builders[c].append(next.builders[c])
                }
            }
        }
        if refused.contains(true) { return false }
        for next in chunks { rows += next.rows }
        return true
    }
}
