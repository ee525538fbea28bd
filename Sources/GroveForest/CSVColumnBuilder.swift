// Per-column accumulation while parsing CSV: numbers, or category codes after the first non-number.

/// The configured missing markers, compared byte-wise.
struct MissingMarkers {
    private let markers: [[UInt8]]
    private let emptyIsMissing: Bool
    private let maxLength: Int

    /// Whether some marker reads as a number (then a number in a field may mean missing).
    let anyNumber: Bool

    init(_ list: [String]) {
        markers = list.filter { !$0.isEmpty }.map { Array($0.utf8) }
        emptyIsMissing = list.contains("")
        maxLength = markers.map(\.count).max() ?? 0
        anyNumber = list.contains { NumberParser.parse($0) != nil }
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

/// An append-only column buffer; `array` hands over the storage without copying.
struct GrowableBuffer<Element> {
    private(set) var array: [Element] = []

    var count: Int { array.count }

    mutating func reserve(_ n: Int) { array.reserveCapacity(n) }

    @inline(__always)
    mutating func append(_ v: Element) { array.append(v) }

    mutating func append(contentsOf other: GrowableBuffer<Element>) { array.append(contentsOf: other.array) }

    subscript(i: Int) -> Element {
        get { array[i] }
        set { array[i] = newValue }
    }

    mutating func release() { array = [] }
}

/// Accumulates one column while parsing, switching from numeric to categorical on the
/// first value that is not a number (unless the kind is forced).
struct CSVColumnBuilder {
    let name: String
    let column: Int
    let forced: ColumnKind?
    private(set) var isNumeric: Bool
    private var numbers = GrowableBuffer<Double>()
    private var sawNumber = false
    private var codes = GrowableBuffer<Int32>()
    private var lookup: [String: Int32] = [:]
    private var levels: [String] = []
    /// The bytes of up to `recentLimit` levels as this builder first read them (entry i's at
    /// `recentStart[i]..<recentStart[i + 1]`, its code `recentCode[i]`), compared in place before
    /// a String is made: the same bytes always decode to the same String, hence the same code.
    private var recentBytes: [UInt8] = []
    private var recentStart: [Int] = [0]
    private var recentCodes: [Int32] = []
    private static let recentLimit = 32
    /// Rows before this index still need their categorical codes (a rescan fills them).
    private(set) var rescanBefore = 0

    init(name: String, column: Int, forced: ColumnKind?) {
        self.name = name
        self.column = column
        self.forced = forced
        self.isNumeric = forced != .categorical
    }

    mutating func reserve(_ n: Int) {
        if isNumeric { numbers.reserve(n) } else { codes.reserve(n) }
    }

    @inline(__always)
    mutating func add(_ p: UnsafePointer<UInt8>, _ n: Int, row: Int, line: Int, isMissing: Bool) throws {
        if isNumeric {
            if isMissing { numbers.append(.nan); return }
            if let v = NumberParser.parse(p, n) {
                addNumber(v)
                return
            }
            if forced == .numeric {
                throw CSVError.notNumeric(line: line, column: column, name: name,
                                          value: String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
            }
            isNumeric = false
            if sawNumber { rescanBefore = row }
            codes.reserve(max(row + 16, numbers.count * 2))
            for _ in 0..<row { codes.append(-1) }
            numbers.release()
        }
        codes.append(isMissing ? -1 : code(p, n))
    }

    /// Appends a number `NumberParser` read from a field that is no missing marker, to a
    /// numeric column: what `add` does with that field.
    @inline(__always)
    mutating func addNumber(_ v: Double) {
        numbers.append(v)
        sawNumber = true
    }

    @inline(__always)
    private mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        if let c = recentCode(p, n) { return c }
        let key = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        if let c = lookup[key] { return c }
        let c = Int32(levels.count)
        lookup[key] = c
        levels.append(key)
        if recentCodes.count < Self.recentLimit {
            recentBytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
            recentStart.append(recentBytes.count)
            recentCodes.append(c)
        }
        return c
    }

    /// The code of the recent level with exactly these bytes, or nil.
    @inline(__always)
    private func recentCode(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        recentBytes.withUnsafeBufferPointer { bytes in
            recentStart.withUnsafeBufferPointer { start in
                for i in 0..<recentCodes.count where start[i + 1] - start[i] == n {
                    var k = 0
                    while k < n && bytes[start[i] + k] == p[k] { k += 1 }
                    if k == n { return recentCodes[i] }
                }
                return nil
            }
        }
    }

    /// Whether nothing but missing values has been read (a numeric column that would read
    /// as categorical from its first text on, its rows so far missing codes).
    var onlyMissing: Bool { isNumeric && !sawNumber && forced != .numeric }

    /// Whether `next`'s rows can follow this builder's as if one builder had read both: the
    /// same kind (or one side only missing values, the other categorical) and no rescan
    /// pending in either.
    func canAppend(_ next: CSVColumnBuilder) -> Bool {
        if rescanBefore > 0 || next.rescanBefore > 0 { return false }
        return isNumeric == next.isNumeric || (isNumeric ? onlyMissing : next.onlyMissing)
    }

    /// Appends the rows `next` parsed after this builder's (`canAppend`): numbers as they
    /// are; codes renumbered so that levels stay in first-seen order over both; rows of
    /// missing values on the numeric side become missing codes.
    mutating func append(_ next: CSVColumnBuilder) {
        if isNumeric && !next.isNumeric {
            // Only missing values so far: the column turns categorical here, as it would
            // have at next's first text.
            isNumeric = false
            codes.reserve(numbers.count + next.codes.count)
            for _ in 0..<numbers.count { codes.append(-1) }
            numbers.release()
        }
        if isNumeric {
            numbers.append(contentsOf: next.numbers)
            sawNumber = sawNumber || next.sawNumber
            return
        }
        if next.isNumeric {
            for _ in 0..<next.numbers.count { codes.append(-1) }
            return
        }
        let map = next.levels.map { level -> Int32 in
            if let c = lookup[level] { return c }
            let c = Int32(levels.count)
            lookup[level] = c
            levels.append(level)
            return c
        }
        codes.reserve(codes.count + next.codes.count)
        for c in next.codes.array { codes.append(c < 0 ? -1 : map[Int(c)]) }
    }

    mutating func recode(_ p: UnsafePointer<UInt8>, _ n: Int, row: Int, isMissing: Bool) {
        codes[row] = isMissing ? -1 : code(p, n)
    }

    /// The finished column (buffers stay owned until `release`).
    func finish() -> DataColumn {
        if isNumeric { return .numeric(name, numbers.array) }
        return DataColumn(name: name, storage: .categorical(codes: codes.array, levels: levels))
    }

    mutating func release() {
        numbers.release()
        codes.release()
    }
}

