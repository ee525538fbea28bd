// RecordEncoder: raw records read in place, encoded as the model's preprocessing does, for records that need no note.

import GroveForest
import GroveWire

/// A model version's column names and categories as byte tables (built at load), and the
/// encoding of `Preprocessing.encode(record:...)` for the records that need nothing filled in:
/// every column named exactly once, each numeric column a number (not NaN), each categorical
/// column a text that is one of its categories, spelled byte for byte. Such a record gets no
/// note and no error in the ordinary path, so both paths give the same encoded row. Anything
/// else (a column left out or missing, a number as text, an unknown or repeated name, the
/// target column, an unseen category) makes `encode` return false, and the caller answers
/// through the ordinary path, which notes or refuses it. Allocates nothing.
struct RecordEncoder: Sendable {
    private let names: ByteStringTable
    /// Per column: its first encoded feature.
    private let offsets: [Int]
    /// Per column: its categories (empty for a numeric column).
    private let categories: [ByteStringTable]
    private let numeric: [Bool]
    /// An encoded row before any value is set: numeric features at their fill value, one-hot
    /// indicators 0 (what `Preprocessing.encode` starts from).
    private let template: [Double]

    init(_ p: Preprocessing) {
        names = ByteStringTable(p.columns.map(\.name))
        offsets = p.columns.indices.map { p.firstFeature(ofColumn: $0) }
        categories = p.columns.map { ByteStringTable($0.kind == .categorical ? $0.categories : []) }
        numeric = p.columns.map { $0.kind == .numeric }
        var template = [Double](repeating: 0, count: p.featureCount)
        for (i, c) in p.columns.enumerated() where c.kind == .numeric { template[offsets[i]] = c.fillValue }
        self.template = template
    }

    /// Encodes every record into `out` (`records.count` rows of the model's width) and returns
    /// true, or returns false as soon as one record needs the ordinary path. `order` is the
    /// calling loop's memory of the last field order (`serial`: this model version's).
    ///
    /// Each record's fields are read from its bytes in order (`RecordScanner`), and each name is
    /// compared with the remembered column for its position (one comparison); at the first
    /// difference the record's names are looked up and their order remembered instead, and the
    /// record is encoded again from its first field. A record is used only once its scanner has
    /// reached its end right after the last column: bytes protobuf-c would refuse, more or fewer
    /// fields than columns, or a value past `RecordScanner.maxLength` send it down the ordinary path.
    func encode(_ records: RawRecordsView, serial: UInt64, order: RecordOrder, into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        let width = offsets.count
        let features = template.count
        guard width > 0, out.count >= records.count * features else { return false }
        order.fit(serial: serial, width: width)
        let state = order.state
        let columns = state.pointee.columns
        return template.withUnsafeBufferPointer { template in
            var r = 0
            rows: while r < records.count {
                if !state.pointee.isKnown && !learn(records, r, state) { return false }
                let row = out.baseAddress! + r * features
                row.update(from: template.baseAddress!, count: features)
                var scanner = records.scanner(r)
                for i in 0..<width {
                    guard case let .field(field) = scanner.next() else { return false }
                    let c = Int(columns[i])
                    guard names.matches(field.name, key: c) else {
                        state.pointee.isKnown = false
                        continue rows   // the same record again, after learning its order
                    }
                    switch field.kind {
                    case let .number(v):
                        guard numeric[c], !v.isNaN else { return false }
                        row[offsets[c]] = v
                    case let .text(t):
                        guard !numeric[c], let k = categories[c].index(of: t) else { return false }
                        row[offsets[c] + k] = 1
                    case .missing:
                        return false
                    }
                }
                guard case .end = scanner.next() else { return false }
                r += 1
            }
            return true
        }
    }

    /// Looks up record `r`'s names and remembers their order; false (and no order remembered)
    /// when a name is unknown or repeated, or the record does not hold exactly as many fields as
    /// columns (then no repeat means every column is named once), or its bytes are not read here.
    private func learn(_ records: RawRecordsView, _ r: Int, _ state: UnsafeMutablePointer<RecordOrder.State>) -> Bool {
        let width = offsets.count
        let columns = state.pointee.columns, seen = state.pointee.seen
        for c in 0..<width { seen[c] = false }
        var scanner = records.scanner(r)
        for i in 0..<width {
            guard case let .field(field) = scanner.next(), let c = names.index(of: field.name), !seen[c] else { return false }
            seen[c] = true
            columns[i] = Int32(c)
        }
        guard case .end = scanner.next() else { return false }
        state.pointee.isKnown = true
        return true
    }
}
