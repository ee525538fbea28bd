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
    func encode(_ records: RawRecordsView, serial: UInt64, order: RecordOrder, into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        let width = offsets.count
        let features = template.count
        guard width > 0, out.count >= records.count * features else { return false }
        if order.serial != serial || order.width != width { order.reset(serial: serial, width: width) }
        return template.withUnsafeBufferPointer { template in
            for r in 0..<records.count {
                guard records.fieldCount(r) == width else { return false }
                if !(order.isKnown && confirm(records, r, order)) && !learn(records, r, order) { return false }
                let row = UnsafeMutableBufferPointer(rebasing: out[(r * features)..<((r + 1) * features)])
                _ = row.update(fromContentsOf: template)
                for i in 0..<width {
                    let c = Int(order.columns[i])
                    switch records.field(r, i).kind {
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
            }
            return true
        }
    }

    /// Whether record `r` names the remembered columns in the remembered order (one comparison per field).
    @inline(__always)
    private func confirm(_ records: RawRecordsView, _ r: Int, _ order: RecordOrder) -> Bool {
        for i in 0..<offsets.count where !names.matches(records.field(r, i).name, key: Int(order.columns[i])) { return false }
        return true
    }

    /// Looks up record `r`'s names and remembers their order; false (and no order remembered)
    /// when a name is unknown or repeated. With as many fields as columns, no repeat means every
    /// column is named once.
    private func learn(_ records: RawRecordsView, _ r: Int, _ order: RecordOrder) -> Bool {
        order.isKnown = false
        let width = offsets.count
        for c in 0..<width { order.seen[c] = false }
        for i in 0..<width {
            guard let c = names.index(of: records.field(r, i).name), !order.seen[c] else { return false }
            order.seen[c] = true
            order.columns[i] = Int32(c)
        }
        order.isKnown = true
        return true
    }
}
