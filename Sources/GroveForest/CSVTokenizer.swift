// Byte-level CSV field splitter tracking physical lines (used by CSVReader).

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

    /// Reads the next field when it is a number written plainly, unquoted and without spaces,
    /// in the one pass that parses it (`NumberParser.prefix`): its value and what ended it,
    /// as `nextField` and then `NumberParser.parse` of the field would give. Otherwise nil,
    /// with nothing read (then `nextField` reads the field). Requires a delimiter that cannot
    /// continue a number (`CSVTokenizer.delimiterEndsNumbers`).
    @inline(__always)
    mutating func nextPlainNumber() -> (value: Double, end: End)? {
        fieldLine = line
        let start = pos
        let (value, length) = NumberParser.prefix(base + start, count - start)
        guard let value, length > 0 else { return nil }
        pos = start + length
        guard let end = fieldEnd() else {
            pos = start
            return nil
        }
        fieldPointer = base + start
        fieldLength = length
        return (value, end)
    }

    /// Whether `delimiter` cannot continue a number (`nextPlainNumber` relies on it).
    static func delimiterEndsNumbers(_ delimiter: UInt8) -> Bool {
        !((0x30...0x39).contains(delimiter) || Array("+-.eE".utf8).contains(delimiter))
    }

    /// Steps over what ends a field at `pos` (a delimiter, a line end, the end of the input)
    /// and says which; nil (nothing read) for any other byte.
    @inline(__always)
    private mutating func fieldEnd() -> End? {
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
        return nil
    }

    @inline(__always)
    private mutating func terminator(column: Int) throws -> End {
        if let end = fieldEnd() { return end }
        throw CSVError.characterAfterQuote(line: line, column: column)
    }
}
