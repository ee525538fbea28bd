// RFC 4180 CSV reader working directly on bytes; infers column kinds.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let bytes = try readFile(path: path)
        return try parse(bytes, options: options)
    }

    /// The bytes of the file at `path`.
    public static func readFile(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw CSVError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw CSVError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        var result: [UInt8] = []
        var capacity = max(Int(st.st_size), 0) + 1
        var filled = 0
        while true {
            if filled == capacity { capacity *= 2 }
            if result.count < capacity { result.append(contentsOf: repeatElement(0, count: capacity - result.count)) }
            let got = result.withUnsafeMutableBytes { buf -> Int in
                guard let b = buf.baseAddress else { return 0 }
                return systemRead(fd, b + filled, capacity - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw CSVError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            filled += got
        }
        result.removeLast(result.count - filled)
        return result
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
        let builders = names.enumerated().map {
            CSVColumnBuilder(name: $0.element, column: $0.offset + 1, forced: options.kinds[$0.element])
        }
        let dataStart = tok.pos
        let dataLine = tok.line
        // Reserve from an estimate of the row count (newlines in a 64 KiB sample).
        let sampleEnd = min(buffer.count, dataStart + 65_536)
        if sampleEnd > dataStart {
            var newlines = 0
            for k in dataStart..<sampleEnd where base[k] == 0x0A { newlines += 1 }
            let estimate = Int(Double(newlines) * Double(buffer.count - dataStart) / Double(sampleEnd - dataStart) * 1.02) + 16
            for b in builders { b.reserve(estimate) }
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
        let rescan = builders.filter { $0.rescanBefore > 0 }
        if !rescan.isEmpty {
            var tok2 = CSVTokenizer(base: base, count: buffer.count, start: dataStart, delimiter: options.delimiter)
            tok2.line = dataLine
            defer { tok2.release() }
            let limit = rescan.map(\.rescanBefore).max() ?? 0
            var wanted = [CSVColumnBuilder?](repeating: nil, count: ncols)
            for b in rescan { wanted[b.column - 1] = b }
            var r = 0
            while r < limit, tok2.startRecord() {
                var col = 0
                while true {
                    let end = try tok2.nextField(column: col + 1)
                    if col < ncols, let b = wanted[col], r < b.rescanBefore {
                        b.recode(tok2.fieldPointer, tok2.fieldLength, row: r,
                                 isMissing: missing.matches(tok2.fieldPointer, tok2.fieldLength))
                    }
                    col += 1
                    if end != .field { break }
                }
                r += 1
            }
        }
        return DataTable(uncheckedColumns: builders.map { $0.finish() }, rowCount: row)
    }
}

@inline(__always)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

/// The configured missing markers, compared byte-wise.
struct MissingMarkers {
    private let markers: [[UInt8]]
    private let emptyIsMissing: Bool
    private let maxLength: Int

    init(_ list: [String]) {
        markers = list.filter { !$0.isEmpty }.map { Array($0.utf8) }
        emptyIsMissing = list.contains("")
        maxLength = markers.map(\.count).max() ?? 0
    }

    @inline(__always)
    func matches(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == 0 { return emptyIsMissing }
        if n > maxLength { return false }
        for m in markers where m.count == n {
            var equal = true
            for k in 0..<n where m[k] != p[k] { equal = false; break }
            if equal { return true }
        }
        return false
    }
}

/// Accumulates one column while parsing, switching from numeric to categorical on the
/// first value that is not a number (unless the kind is forced).
final class CSVColumnBuilder {
    let name: String
    let column: Int
    let forced: ColumnKind?
    private(set) var isNumeric: Bool
    private var numbers: [Double] = []
    private var sawNumber = false
    private var codes: [Int32] = []
    private var lookup: [String: Int32] = [:]
    private var levels: [String] = []
    /// Rows before this index still need their categorical codes (a rescan fills them).
    private(set) var rescanBefore = 0

    init(name: String, column: Int, forced: ColumnKind?) {
        self.name = name
        self.column = column
        self.forced = forced
        self.isNumeric = forced != .categorical
    }

    func reserve(_ n: Int) {
        if isNumeric { numbers.reserveCapacity(n) } else { codes.reserveCapacity(n) }
    }

    @inline(__always)
    func add(_ p: UnsafePointer<UInt8>, _ n: Int, row: Int, line: Int, isMissing: Bool) throws {
        if isNumeric {
            if isMissing { numbers.append(.nan); return }
            if let v = NumberParser.parse(p, n) {
                numbers.append(v)
                sawNumber = true
                return
            }
            if forced == .numeric {
                throw CSVError.notNumeric(line: line, column: column, name: name,
                                          value: String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
            }
            isNumeric = false
            if sawNumber { rescanBefore = row }
            codes = [Int32](repeating: -1, count: row)
            codes.reserveCapacity(numbers.capacity)
            numbers = []
        }
        codes.append(isMissing ? -1 : code(p, n))
    }

    @inline(__always)
    private func code(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let key = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        if let c = lookup[key] { return c }
        let c = Int32(levels.count)
        lookup[key] = c
        levels.append(key)
        return c
    }

    func recode(_ p: UnsafePointer<UInt8>, _ n: Int, row: Int, isMissing: Bool) {
        codes[row] = isMissing ? -1 : code(p, n)
    }

    func finish() -> DataColumn {
        if isNumeric { return .numeric(name, numbers) }
        return DataColumn(name: name, storage: .categorical(codes: codes, levels: levels))
    }
}

/// Splits CSV bytes into fields; tracks physical lines.
struct CSVTokenizer {
    enum End { case field, record, input }

    let base: UnsafePointer<UInt8>
    let count: Int
    let delimiter: UInt8
    var pos: Int
    var line = 1
    private(set) var fieldPointer: UnsafePointer<UInt8>
    private(set) var fieldLength = 0
    private(set) var fieldLine = 1
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 256

    init(base: UnsafePointer<UInt8>, count: Int, start: Int, delimiter: UInt8) {
        self.base = base
        self.count = count
        self.pos = start
        self.delimiter = delimiter
        self.fieldPointer = base
        self.scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    }

    func release() { scratch.deallocate() }

    /// Skips blank lines; false at the end of the input.
    mutating func startRecord() -> Bool {
        while pos < count {
            let c = base[pos]
            if c == 0x0A {
                pos += 1; line += 1
            } else if c == 0x0D {
                pos += 1
                if pos < count && base[pos] == 0x0A { pos += 1 }
                line += 1
            } else {
                return true
            }
        }
        return false
    }

    func fieldString() -> String {
        String(decoding: UnsafeBufferPointer(start: fieldPointer, count: fieldLength), as: UTF8.self)
    }

    private mutating func appendScratch(_ from: Int, _ to: Int, at length: inout Int) {
        let n = to - from
        if length + n > scratchCapacity {
            var cap = scratchCapacity
            while cap < length + n { cap *= 2 }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            bigger.update(from: scratch, count: length)
            scratch.deallocate()
            scratch = bigger
            scratchCapacity = cap
        }
        (scratch + length).update(from: base + from, count: n)
        length += n
    }

    /// Reads the next field (column is 1-based, for errors) and what ended it.
    @inline(__always)
    mutating func nextField(column: Int) throws -> End {
        fieldLine = line
        if pos < count && base[pos] == 0x22 {
            let quoteLine = line
            pos += 1
            var segment = pos
            var length = 0
            var usesScratch = false
            while true {
                guard pos < count else { throw CSVError.unterminatedQuote(line: quoteLine, column: column) }
                let c = base[pos]
                if c == 0x22 {
                    if pos + 1 < count && base[pos + 1] == 0x22 {
                        appendScratch(segment, pos + 1, at: &length)
                        usesScratch = true
                        pos += 2
                        segment = pos
                        continue
                    }
                    if usesScratch {
                        appendScratch(segment, pos, at: &length)
                        fieldPointer = UnsafePointer(scratch)
                        fieldLength = length
                    } else {
                        fieldPointer = base + segment
                        fieldLength = pos - segment
                    }
                    pos += 1
                    break
                }
                if c == 0x0A {
                    line += 1
                } else if c == 0x0D && !(pos + 1 < count && base[pos + 1] == 0x0A) {
                    line += 1
                }
                pos += 1
            }
            return try terminator(column: column)
        }
        let start = pos
        let d = delimiter
        while pos < count {
            let c = base[pos]
            if c == d || c == 0x0A || c == 0x0D { break }
            pos += 1
        }
        fieldPointer = base + start
        fieldLength = pos - start
        return try terminator(column: column)
    }

    @inline(__always)
    private mutating func terminator(column: Int) throws -> End {
        if pos >= count { return .input }
        let c = base[pos]
        if c == delimiter { pos += 1; return .field }
        if c == 0x0A { pos += 1; line += 1; return .record }
        if c == 0x0D {
            pos += 1
            if pos < count && base[pos] == 0x0A { pos += 1 }
            line += 1
            return .record
        }
        throw CSVError.characterAfterQuote(line: line, column: column)
    }
}
