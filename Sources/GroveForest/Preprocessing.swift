// Preprocessing learned on training rows: mean fill, one-hot encoding, class labels.

/// The raw-input schema of a model and the encoding learned at training (proto
/// `Preprocessing`).
///
/// Encoded features are, column by column in `columns` order: numeric columns one
/// feature (missing -> `fillValue`), categorical columns one 0/1 feature per category
/// (pandas `get_dummies` semantics: a missing or unseen category gives all zeros).
/// Instances are immutable and validated; lookups are precomputed.
public struct Preprocessing: Sendable, Equatable {
    public let target: String
    public let columns: [InputColumn]
    public let featureNames: [String]
    /// Class labels in output order (classification); empty for regression.
    public let classes: [String]
    /// Index of the positive class in `classes`, nil when none was named.
    public let positiveClass: Int?

    private let columnLookup: [String: Int]
    private let featureOffsets: [Int]
    private let categoryLookup: [[String: Int]]

    /// Largest number of classes accepted.
    public static let maxClasses = 65_536
    /// Missing markers recognised in text values of records.
    public static let recordMissingMarkers: Set<String> = ["", "NA", "?"]

    /// Builds and validates a preprocessing (e.g. from a model file). Column names
    /// must be distinct, categories distinct, fill values finite or NaN (missing stays
    /// missing, as for imported models), feature names one per
    /// encoded feature, and `positiveClass` an index into `classes`.
    public init(target: String, columns: [InputColumn], featureNames: [String],
                classes: [String], positiveClass: Int?) throws {
        var lookup: [String: Int] = [:]
        var offsets: [Int] = []
        var cats: [[String: Int]] = []
        var total = 0
        for (i, c) in columns.enumerated() {
            if lookup.updateValue(i, forKey: c.name) != nil {
                throw PreprocessingError.inconsistentSchema("column \"\(c.name)\" appears twice")
            }
            if c.name == target { throw PreprocessingError.inconsistentSchema("target \"\(target)\" is also an input column") }
            // NaN is allowed: missing values stay missing (imported models send them down
            // each node's default direction); infinities are not.
            if c.fillValue.isInfinite { throw PreprocessingError.inconsistentSchema("column \"\(c.name)\" has an infinite fill value") }
            var m: [String: Int] = [:]
            if c.kind == .categorical {
                for (k, cat) in c.categories.enumerated() where m.updateValue(k, forKey: cat) != nil {
                    throw PreprocessingError.inconsistentSchema("column \"\(c.name)\" repeats category \"\(cat)\"")
                }
            } else if !c.categories.isEmpty {
                throw PreprocessingError.inconsistentSchema("numeric column \"\(c.name)\" has categories")
            }
            offsets.append(total)
            cats.append(m)
            total += c.featureCount
        }
        if featureNames.count != total {
            throw PreprocessingError.inconsistentSchema("\(featureNames.count) feature names for \(total) encoded features")
        }
        if classes.count > Preprocessing.maxClasses {
            throw PreprocessingError.tooManyClasses(found: classes.count, limit: Preprocessing.maxClasses)
        }
        if Set(classes).count != classes.count { throw PreprocessingError.inconsistentSchema("class labels repeat") }
        if let p = positiveClass, p < 0 || p >= classes.count {
            throw PreprocessingError.inconsistentSchema("positive class index \(p) outside \(classes.count) classes")
        }
        self.target = target
        self.columns = columns
        self.featureNames = featureNames
        self.classes = classes
        self.positiveClass = positiveClass
        self.columnLookup = lookup
        self.featureOffsets = offsets
        self.categoryLookup = cats
    }

    /// Builds a preprocessing whose feature names follow from the columns
    /// (`name` for numeric, `name_category` for categorical).
    public init(target: String, columns: [InputColumn], classes: [String], positiveClass: Int?) throws {
        let names = columns.flatMap { c in c.kind == .numeric ? [c.name] : c.categories.map { "\(c.name)_\($0)" } }
        try self.init(target: target, columns: columns, featureNames: names, classes: classes, positiveClass: positiveClass)
    }

    public static func == (a: Preprocessing, b: Preprocessing) -> Bool {
        a.target == b.target && a.columns == b.columns && a.featureNames == b.featureNames
            && a.classes == b.classes && a.positiveClass == b.positiveClass
    }

    /// Number of encoded features.
    public var featureCount: Int { featureNames.count }

    /// Index of the input column named `name`, or nil.
    public func columnIndex(named name: String) -> Int? { columnLookup[name] }

    /// Index of the first encoded feature of input column `index`.
    public func firstFeature(ofColumn index: Int) -> Int { featureOffsets[index] }

    // MARK: Learning

    /// Learns the preprocessing from `table` (optionally only from `rows`, each a row index of
    /// `table`, else `rowOutOfRange`).
    ///
    /// Every column except `target` is an input column, in table order. Numeric fill =
    /// mean of the non-missing values of those rows (0 if none); categories = the labels
    /// present in those rows, sorted by code point (as pandas sorts strings). Classes
    /// (classification) are the target labels of all table rows, sorted numerically when
    /// all look like numbers, else by code point; `positive` must be one of them.
    ///
    /// `checkNames`: refuse encoded feature names that clash (`checkDistinctFeatureNames`);
    /// off only for a preprocessing learned to read the targets, never kept as a model's.
    public static func fit(table: DataTable, target: String, task: ModelTask,
                           positive: String? = nil, rows: [Int]? = nil, checkNames: Bool = true) throws -> Preprocessing {
        guard let targetIndex = table.columnIndex(named: target) else { throw PreprocessingError.noTargetColumn(target) }
        guard table.rowCount > 0 else { throw PreprocessingError.noRows }
        guard table.columns.count > 1 else { throw PreprocessingError.noFeatureColumns }
        let useRows = try checked(rows, in: table)
        var inputs: [InputColumn] = []
        for (i, col) in table.columns.enumerated() where i != targetIndex {
            switch col.storage {
            case let .numeric(v):
                var sum = 0.0
                var n = 0
                // The rows are checked (`checked`): read without bounds checks, in row order.
                v.withUnsafeBufferPointer { v in
                    useRows.withUnsafeBufferPointer { rows in
                        for r in rows where !v[r].isNaN { sum += v[r]; n += 1 }
                    }
                }
                let mean = n > 0 ? sum / Double(n) : 0
                inputs.append(InputColumn(name: col.name, kind: .numeric, fillValue: mean.isFinite ? mean : 0))
            case let .categorical(codes, levels):
                var present = [Bool](repeating: false, count: levels.count)
                for r in useRows where codes[r] >= 0 { present[Int(codes[r])] = true }
                let cats = levels.indices.filter { present[$0] }.map { levels[$0] }
                inputs.append(InputColumn(name: col.name, kind: .categorical,
                                          categories: cats.sorted(by: Preprocessing.codePointLess)))
            }
        }
        var classes: [String] = []
        var positiveIndex: Int? = nil
        switch task {
        case .regression:
            if positive != nil { throw PreprocessingError.positiveClassForRegression }
            if table.columns[targetIndex].kind != .numeric { throw PreprocessingError.nonNumericTarget(column: target) }
        case .classification:
            var set = Set<String>()
            if case let .numeric(v) = table.columns[targetIndex].storage {
                // Distinct values first (equal values have equal labels; -0 == 0 and both
                // read "0"), then their labels: no string per row.
                for x in Preprocessing.distinctValues(v) { set.insert(labelText(x)) }
            } else {
                for r in 0..<table.rowCount {
                    if let l = label(of: table.columns[targetIndex], row: r) { set.insert(l) }
                }
            }
            classes = sortLabels(Array(set))
            if classes.count < 2 { throw PreprocessingError.tooFewClasses(found: classes.count) }
            if let positive {
                guard let p = classes.firstIndex(of: positive) else {
                    throw PreprocessingError.unknownPositiveClass(label: positive, classes: classes)
                }
                positiveIndex = p
            }
        }
        if checkNames { try checkDistinctFeatureNames(inputs) }
        return try Preprocessing(target: target, columns: inputs, classes: classes, positiveClass: positiveIndex)
    }

    /// Throws `duplicateFeatureName` when two encoded features of `columns` would have the same
    /// name (`name`, `name_category`): column "a" with category "b_c" and column "a_b" with
    /// category "c" both give "a_b_c". Answers and exports name features, and a reader keyed by
    /// name would lose one. Checked when learning only: models already made load as they are.
    static func checkDistinctFeatureNames(_ columns: [InputColumn]) throws {
        var source: [String: String] = [:]
        for c in columns {
            let named = c.kind == .numeric ? [(c.name, "numeric column \"\(c.name)\"")]
                : c.categories.map { ("\(c.name)_\($0)", "column \"\(c.name)\" category \"\($0)\"") }
            for (name, from) in named {
                if let first = source.updateValue(from, forKey: name) {
                    throw PreprocessingError.duplicateFeatureName(name: name, first: first, second: from)
                }
            }
        }
    }

    /// The distinct non-NaN values of `values` (by ==: -0 and +0 are one), the first of each in
    /// order; it stops at `limit` + 1 of them. A few distinct values (class labels) are kept in a
    /// list searched in order (no hash per row); beyond 16 a set takes over.
    public static func distinctValues(_ values: [Double], upTo limit: Int = .max) -> [Double] {
        var few: [Double] = []
        var many = Set<Double>()
        for x in values where !x.isNaN {
            if many.isEmpty {
                if few.contains(x) { continue }
                few.append(x)
                if few.count > 16 { many = Set(few) }
            } else if many.insert(x).inserted {
                few.append(x)
            }
            if few.count > limit { break }
        }
        return few
    }

    /// `rows`, or every row of `table` when nil; throws `rowOutOfRange` for the first index
    /// that is not a row of `table` (the encoders read columns at these indices unchecked).
    static func checked(_ rows: [Int]?, in table: DataTable) throws -> [Int] {
        guard let rows else { return Array(0..<table.rowCount) }
        let count = table.rowCount
        for r in rows where UInt(bitPattern: r) >= UInt(count) { throw PreprocessingError.rowOutOfRange(row: r, rowCount: count) }
        return rows
    }

    /// Orders strings by Unicode code point (Python's `sorted` order).
    public static func codePointLess(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }

    /// Sorts class labels: numerically when every label parses as a number, else by
    /// code point.
    public static func sortLabels(_ labels: [String]) -> [String] {
        let numbers = labels.map { NumberParser.parse($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            return zip(labels, numbers).sorted {
                ($0.1 ?? 0) != ($1.1 ?? 0) ? ($0.1 ?? 0) < ($1.1 ?? 0) : codePointLess($0.0, $1.0)
            }.map(\.0)
        }
        return labels.sorted(by: codePointLess)
    }

    /// Text of a number used as a label or category ("1" for 1.0).
    public static func labelText(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    private static func label(of column: DataColumn, row: Int) -> String? {
        switch column.storage {
        case let .numeric(v): return v[row].isNaN ? nil : labelText(v[row])
        case let .categorical(codes, levels): return codes[row] < 0 ? nil : levels[Int(codes[row])]
        }
    }

    // MARK: Targets

    /// The encoded targets of `table` (all rows, or `rows`, each a row index of `table`, else
    /// `rowOutOfRange`): class indices for classification (every label must be in
    /// `classes`), values for regression.
    /// A missing target is an error naming the data row.
    public func encodeTargets(table: DataTable, rows: [Int]? = nil) throws -> TrainingTarget {
        guard let ti = table.columnIndex(named: target) else { throw PreprocessingError.noTargetColumn(target) }
        let col = table.columns[ti]
        let useRows = try Self.checked(rows, in: table)
        if classes.isEmpty {
            guard case let .numeric(v) = col.storage else { throw PreprocessingError.nonNumericTarget(column: target) }
            var out: [Double] = []
            out.reserveCapacity(useRows.count)
            for r in useRows {
                guard v[r].isFinite else { throw PreprocessingError.missingTarget(row: r) }
                out.append(v[r])
            }
            return .values(out)
        }
        var index: [String: Int32] = [:]
        for (i, c) in classes.enumerated() { index[c] = Int32(i) }
        var labels: [Int32] = []
        labels.reserveCapacity(useRows.count)
        switch col.storage {
        case let .categorical(codes, levels):
            let map = levels.map { index[$0] }
            for r in useRows {
                let c = codes[r]
                guard c >= 0 else { throw PreprocessingError.missingTarget(row: r) }
                guard let k = map[Int(c)] else { throw PreprocessingError.unknownClass(label: levels[Int(c)], row: r) }
                labels.append(k)
            }
        case let .numeric(v):
            // Class of each distinct value, looked up once (equal values share a label); the
            // last value's class first, since rows often repeat it.
            var known: [Double: Int32] = [:]
            var last = (value: Double.nan, label: Int32(0))
            for r in useRows {
                let x = v[r]
                if x == last.value { labels.append(last.label); continue }
                guard !x.isNaN else { throw PreprocessingError.missingTarget(row: r) }
                if let k = known[x] {
                    labels.append(k)
                    last = (x, k)
                    continue
                }
                let text = Preprocessing.labelText(x)
                guard let k = index[text] else { throw PreprocessingError.unknownClass(label: text, row: r) }
                known[x] = k
                labels.append(k)
                last = (x, k)
            }
        }
        return .classes(labels: labels, count: classes.count)
    }

    // MARK: Encoding

    /// Encodes one raw record into `out` (at least `featureCount` values), without
    /// allocating (except for error values and notes).
    ///
    /// Fields name input columns; an unknown name or a repeated one is an error. Numeric
    /// columns take `.number` (NaN = missing) or `.text` that parses as a number ("", "NA",
    /// "?" = missing; other text is `notNumeric`). Categorical columns take `.text` (the same
    /// markers = missing) or a `.number` spelled as one of their categories (1.0 -> "1");
    /// any other number is `notCategorical`. Each column filled in (missing, absent) or given
    /// an unseen category is appended to `notes`, tagged `row`.
    public func encode(record: [RecordField], into out: UnsafeMutableBufferPointer<Double>,
                       row: UInt32, notes: inout [InputNote]) throws {
        guard out.count >= featureCount else {
            throw PreprocessingError.bufferTooSmall(needed: featureCount, got: out.count)
        }
        let base = out
        for (i, c) in columns.enumerated() {
            let off = featureOffsets[i]
            if c.kind == .numeric {
                base[off] = c.fillValue
            } else {
                for k in 0..<c.categories.count { base[off + k] = 0 }
            }
        }
        try withUnsafeTemporaryAllocation(of: Bool.self, capacity: max(columns.count, 1)) { seen in
            seen.initialize(repeating: false)
            for field in record {
                guard let ci = columnLookup[field.name] else { throw PreprocessingError.unknownColumn(field.name) }
                if seen[ci] { throw PreprocessingError.duplicateField(field.name) }
                seen[ci] = true
                let c = columns[ci]
                let off = featureOffsets[ci]
                if c.kind == .numeric {
                    switch field.value {
                    case let .number(v):
                        if v.isNaN { notes.append(InputNote(row: row, column: c.name, kind: .missing)) } else { base[off] = v }
                    case let .text(s):
                        if Preprocessing.recordMissingMarkers.contains(s) {
                            notes.append(InputNote(row: row, column: c.name, kind: .missing))
                            break
                        }
                        guard let v = NumberParser.parse(s) else {
                            throw PreprocessingError.notNumeric(column: c.name, value: s)
                        }
                        base[off] = v
                    case .missing:
                        notes.append(InputNote(row: row, column: c.name, kind: .missing))
                    }
                } else {
                    let lookup = categoryLookup[ci]
                    switch field.value {
                    case let .text(s):
                        if let k = lookup[s] {
                            base[off + k] = 1
                        } else if Preprocessing.recordMissingMarkers.contains(s) {
                            notes.append(InputNote(row: row, column: c.name, kind: .missing))
                        } else {
                            notes.append(InputNote(row: row, column: c.name, kind: .unseenCategory, value: s))
                        }
                    case let .number(v):
                        if v.isNaN {
                            notes.append(InputNote(row: row, column: c.name, kind: .missing))
                        } else if let k = lookup[Preprocessing.labelText(v)] {
                            base[off + k] = 1
                        } else {
                            throw PreprocessingError.notCategorical(column: c.name, value: v, categories: c.categories)
                        }
                    case .missing:
                        notes.append(InputNote(row: row, column: c.name, kind: .missing))
                    }
                }
            }
            for ci in 0..<columns.count where !seen[ci] {
                notes.append(InputNote(row: row, column: columns[ci].name, kind: .absent))
            }
        }
    }

    /// Encodes one raw record into `out`, dropping the notes (`encode(record:into:row:notes:)`).
    public func encode(record: [RecordField], into out: UnsafeMutableBufferPointer<Double>) throws {
        var notes: [InputNote] = []
        try encode(record: record, into: out, row: 0, notes: &notes)
    }

    /// Encodes one raw record into a new array.
    public func encode(record: [RecordField]) throws -> [Double] {
        var out = [Double](repeating: 0, count: featureCount)
        try out.withUnsafeMutableBufferPointer { try encode(record: record, into: $0) }
        return out
    }

    /// Encodes every row of `table` (or only `rows`, in that order, each a row index of
    /// `table`, else `rowOutOfRange`) into a row-major feature matrix.
    ///
    /// Table columns are matched by name: the target column is ignored, an unknown
    /// column is an error, an absent input column is missing in every row. A numeric
    /// input read as categorical must have numeric labels; a categorical input read as
    /// numeric is matched by number text.
    public func encode(table: DataTable, rows: [Int]? = nil, threads: Int = 0) throws -> FeatureMatrix {
        let useRows = try Self.checked(rows, in: table)  // the fillers read the columns unchecked
        let n = useRows.count
        let f = featureCount
        var present = [Bool](repeating: false, count: columns.count)
        // Every value is written by exactly one column's filler, zeros included: the matrix is
        // not cleared first (its pages are first touched by the fillers, on the cores).
        let values = try [Double](unsafeUninitializedCapacity: n * f) { outBuf, initialized in
            guard let out = outBuf.baseAddress else { return }
            try useRows.withUnsafeBufferPointer { rowsBuf in
                let use = rowsBuf.baseAddress!
                // One filler per column, writing output rows a..<b: built (and checked) in
                // column order first, then run over blocks of rows on `threads` threads
                // (each block's rows stay in cache while every column writes into them).
                var fillers: [(Int, Int) -> Void] = []
                for col in table.columns {
                    if col.name == target { continue }
                    guard let ci = columnLookup[col.name] else { throw PreprocessingError.unknownColumn(col.name) }
                    present[ci] = true
                    let c = columns[ci]
                    let off = featureOffsets[ci]
                    let fill = c.fillValue
                    switch (c.kind, col.storage) {
                    case let (.numeric, .numeric(v)):
                        fillers.append { a, b in
                            v.withUnsafeBufferPointer { v in
                                for i in a..<b {
                                    let x = v[use[i]]
                                    out[i &* f &+ off] = x.isNaN ? fill : x
                                }
                            }
                        }
                    case let (.numeric, .categorical(codes, levels)):
                        var parsed: [Double] = []
                        for l in levels {
                            if Preprocessing.recordMissingMarkers.contains(l) { parsed.append(.nan); continue }
                            guard let v = NumberParser.parse(l) else { throw PreprocessingError.notNumeric(column: c.name, value: l) }
                            parsed.append(v)
                        }
                        fillers.append { [parsed] a, b in
                            for i in a..<b {
                                let code = codes[use[i]]
                                let x = code < 0 ? Double.nan : parsed[Int(code)]
                                out[i &* f &+ off] = x.isNaN ? fill : x
                            }
                        }
                    case let (.categorical, .categorical(codes, levels)):
                        let lookup = categoryLookup[ci]
                        let map = levels.map { lookup[$0] ?? -1 }
                        let width = c.categories.count
                        fillers.append { a, b in
                            codes.withUnsafeBufferPointer { codes in
                                for i in a..<b {
                                    for k in 0..<width { out[i &* f &+ off &+ k] = 0 }
                                    let code = codes[use[i]]
                                    if code >= 0 {
                                        let k = map[Int(code)]
                                        if k >= 0 { out[i &* f &+ off &+ k] = 1 }
                                    }
                                }
                            }
                        }
                    case let (.categorical, .numeric(v)):
                        let lookup = categoryLookup[ci]
                        let width = c.categories.count
                        fillers.append { a, b in
                            for i in a..<b {
                                for k in 0..<width { out[i &* f &+ off &+ k] = 0 }
                                if v[use[i]].isNaN { continue }
                                if let k = lookup[Preprocessing.labelText(v[use[i]])] { out[i &* f &+ off &+ k] = 1 }
                            }
                        }
                    }
                }
                // Input columns the table lacks: missing in every row (the fill value; no category).
                for (ci, c) in columns.enumerated() where !present[ci] {
                    let off = featureOffsets[ci]
                    let fill = c.fillValue
                    let width = c.featureCount
                    if c.kind == .numeric {
                        fillers.append { a, b in for i in a..<b { out[i &* f &+ off] = fill } }
                    } else {
                        fillers.append { a, b in for i in a..<b { for k in 0..<width { out[i &* f &+ off &+ k] = 0 } } }
                    }
                }
                let block = 512
                Parallel.forEach(count: (n + block - 1) / block, threads: Parallel.resolve(threads)) { k in
                    let a = k * block, b = min(n, a + block)
                    for fill in fillers { fill(a, b) }
                }
            }
            initialized = n * f
        }
        return try FeatureMatrix(rowCount: n, featureCount: f, values: values)
    }
}
