// The bytes of a served reason, resolved per input column once (not per request).

/// For one model's input columns and one reasons file (`ReasonCatalog`): each column's name,
/// code and text, and its category names, as UTF-8 bytes in one buffer, each cut at its first
/// NUL (what a reason on the wire carries of it: protobuf-c's strings end there). The served hot
/// paths build a reason from these by column index: no String, dictionary lookup or reference
/// count per reason (four reasons took 0.67 µs of a 17 µs request that way, most of it cache
/// misses after the explanation; BENCHMARKS.md "Inline reasons, ninth session").
/// `ModelExplainer.reasons` (the ordinary path) gives the same texts from the Strings.
/// Immutable after init; built once per model version, loop and reasons file (`ServedModel`).
public final class ReasonTexts: @unchecked Sendable {
    /// The reasons file these were resolved from (its `generation` says which).
    public let catalog: ReasonCatalog
    /// Every text, back to back.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Per column: start and length in `bytes` of its name, code, text and the text of a missing
    /// value (`ModelExplainer.missingText`) (8 values).
    private let spans: UnsafeMutableBufferPointer<Int>
    /// Per column: its first encoded feature, its kind (0 numeric, 1 categorical), its first
    /// category in `categorySpans` and its category count (4 values).
    private let layout: UnsafeMutableBufferPointer<Int>
    /// Per category of every column: start and length in `bytes`.
    private let categorySpans: UnsafeMutableBufferPointer<Int>
    public init(preprocessing: Preprocessing, catalog: ReasonCatalog) {
        self.catalog = catalog
        let columns = preprocessing.columns
        var text: [UInt8] = []
        var spans: [Int] = [], layout: [Int] = [], categorySpans: [Int] = []
        func add(_ s: String) -> (Int, Int) {
            let start = text.count
            text.append(contentsOf: s.utf8.prefix { $0 != 0 })
            return (start, text.count - start)
        }
        for (c, column) in columns.enumerated() {
            let entry = catalog.entry(for: column.name)
            for s in [column.name, entry.code, entry.text, ModelExplainer.missingText(column)] {
                let (start, length) = add(s)
                spans += [start, length]
            }
            layout += [preprocessing.firstFeature(ofColumn: c), column.kind == .numeric ? 0 : 1,
                       categorySpans.count / 2, column.kind == .numeric ? 0 : column.categories.count]
            if column.kind != .numeric {
                for category in column.categories {
                    let (start, length) = add(category)
                    categorySpans += [start, length]
                }
            }
        }
        func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
            _ = p.initialize(from: a)
            return p
        }
        bytes = copy(text)
        self.spans = copy(spans)
        self.layout = copy(layout)
        self.categorySpans = copy(categorySpans)
    }

    deinit {
        bytes.deallocate(); spans.deallocate(); layout.deallocate(); categorySpans.deallocate()
    }

    private func span(_ at: Int, in table: UnsafeMutableBufferPointer<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes.baseAddress! + table[at], count: table[at + 1])
    }

    /// Column `c`'s name.
    @inline(__always) public func name(_ c: Int) -> UnsafeBufferPointer<UInt8> { span(8 * c, in: spans) }
    /// Column `c`'s code in the reasons file ("" without an entry).
    @inline(__always) public func code(_ c: Int) -> UnsafeBufferPointer<UInt8> { span(8 * c + 2, in: spans) }
    /// Column `c`'s text in the reasons file (its name without an entry).
    @inline(__always) public func text(_ c: Int) -> UnsafeBufferPointer<UInt8> { span(8 * c + 4, in: spans) }

    /// Column `c`'s text of a missing value (`ModelExplainer.missingText`).
    @inline(__always) public func missing(_ c: Int) -> UnsafeBufferPointer<UInt8> { span(8 * c + 6, in: spans) }

    /// Calls `body` with the bytes of `ModelExplainer.valueText(column: c, row: row, record: nil)`:
    /// a numeric column's value (`missing(c)` for NaN; an integral value in its digits, written
    /// here; any other through `Preprocessing.labelText`), or the category whose one-hot
    /// feature is 1 (`missing(c)` when none is). `row` holds the values as sent, unfilled.
    /// Allocates nothing, except for a non-integral number whose text (`String(v)`) is longer
    /// than a small string's 15 bytes.
    @inline(__always)
    public func withValue<R>(_ c: Int, row: UnsafeBufferPointer<Double>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let first = layout[4 * c]
        if layout[4 * c + 1] == 0 {
            let v = row[first]
            if v.isNaN { return body(missing(c)) }
            // labelText's integral case, String(Int64(v)), without the String.
            if v == v.rounded(), abs(v) < 1e15 { return Self.withDigits(Int64(v), body) }
            var s = Preprocessing.labelText(v)
            return s.withUTF8(body)
        }
        let firstCategory = layout[4 * c + 2]
        for k in 0..<layout[4 * c + 3] where row[first + k] == 1 {
            return body(span(2 * (firstCategory + k), in: categorySpans))
        }
        return body(missing(c))
    }

    /// `String(n)`'s bytes (|n| < 1e15).
    @inline(__always)
    static func withDigits<R>(_ n: Int64, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var at = buffer.count
            var m = n.magnitude
            repeat {
                at -= 1
                buffer[at] = UInt8(truncatingIfNeeded: m % 10) + 48
                m /= 10
            } while m > 0
            if n < 0 {
                at -= 1
                buffer[at] = 45  // "-"
            }
            return body(UnsafeBufferPointer(rebasing: buffer[at...]))
        }
    }
}
