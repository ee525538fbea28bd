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
    /// Per column: its categories (empty for a numeric column).
    private let categories: [ByteStringTable]
    /// Per column: where it goes and how its field is written.
    private let columns: [Column]
    /// Every column's field head (`RecordLayout.head`), back to back.
    private let heads: [UInt8]
    /// An encoded row before any value is set: numeric features at their fill value, one-hot
    /// indicators 0 (what `Preprocessing.encode` starts from).
    private let template: [Double]

    private struct Column {
        /// Its first encoded feature.
        let offset: Int
        let numeric: Bool
        /// Its head: `heads[headStart ..< headStart + headCount]`; `headCount` 0: none.
        let headStart: Int
        let headCount: Int
    }

    init(_ p: Preprocessing) {
        names = ByteStringTable(p.columns.map(\.name))
        categories = p.columns.map { ByteStringTable($0.kind == .categorical ? $0.categories : []) }
        var heads: [UInt8] = []
        var columns: [Column] = []
        for (i, c) in p.columns.enumerated() {
            let head = RecordLayout.head(name: Array(c.name.utf8), numeric: c.kind == .numeric) ?? []
            columns.append(Column(offset: p.firstFeature(ofColumn: i), numeric: c.kind == .numeric, headStart: heads.count, headCount: head.count))
            heads += head
        }
        self.columns = columns
        self.heads = heads
        var template = [Double](repeating: 0, count: p.featureCount)
        for (i, c) in p.columns.enumerated() where c.kind == .numeric { template[columns[i].offset] = c.fillValue }
        self.template = template
    }

    /// Encodes every record into `out` (`records.count` rows of the model's width) and returns
    /// true, or returns false as soon as one record needs the ordinary path. `order` is the
    /// calling loop's memory of the last field order (`serial`: this model version's).
    ///
    /// Each record's fields are read from its bytes in order (`RecordScanner`), each confirmed
    /// against the remembered column for its position: with one comparison of the column's
    /// field head when the field is written as clients write it (`RecordLayout`), else by reading
    /// the field and comparing its name. At the first difference the record's names are looked
    /// up and their order remembered instead, and the record is encoded again from its first
    /// field. A record is used only once its scanner has reached its end right after the last
    /// column: bytes protobuf-c would refuse, more or fewer fields than columns, or a value past
    /// `RecordScanner.maxLength` send it down the ordinary path.
    func encode(_ records: RawRecordsView, serial: UInt64, order: RecordOrder, into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        let features = template.count
        guard !columns.isEmpty, out.count >= records.count * features else { return false }
        order.fit(serial: serial, width: columns.count)
        let state = order.state
        return template.withUnsafeBufferPointer { template in
            heads.withUnsafeBufferPointer { heads in
                columns.withUnsafeBufferPointer { columns in
                    var all = records.makeIterator()
                    for r in 0..<records.count {
                        guard let bytes = all.next() else { return false }
                        let row = out.baseAddress! + r * features
                        switch encode(bytes, into: row, state, template, heads, columns) {
                        case .encoded: continue
                        case .needsOrdinaryPath: return false
                        case .orderDiffers:
                            // Learned from these very bytes, the order matches them: encoded or refused.
                            guard learn(bytes, state), encode(bytes, into: row, state, template, heads, columns) == .encoded else { return false }
                        }
                    }
                    return true
                }
            }
        }
    }

    private enum Outcome { case encoded, needsOrdinaryPath, orderDiffers }

    /// One record in the remembered order (`.orderDiffers` when there is none, or a name differs).
    @inline(__always)
    private func encode(_ bytes: UnsafeBufferPointer<UInt8>, into row: UnsafeMutablePointer<Double>,
                        _ state: UnsafeMutablePointer<RecordOrder.State>, _ template: UnsafeBufferPointer<Double>,
                        _ heads: UnsafeBufferPointer<UInt8>, _ columns: UnsafeBufferPointer<Column>) -> Outcome {
        guard state.pointee.isKnown else { return .orderDiffers }
        let order = state.pointee.columns
        row.update(from: template.baseAddress!, count: template.count)
        var scanner = RecordScanner(bytes)
        for i in 0..<columns.count {
            let c = Int(order[i]), column = columns[c]
            if column.headCount > 0, let kind = scanner.next(head: heads.baseAddress! + column.headStart, count: column.headCount) {
                guard set(kind, column: c, column, row) else { return .needsOrdinaryPath }
                continue
            }
            guard case let .field(field) = scanner.next() else { return .needsOrdinaryPath }
            guard names.matches(field.name, key: c) else {
                state.pointee.isKnown = false
                return .orderDiffers
            }
            guard set(field.kind, column: c, column, row) else { return .needsOrdinaryPath }
        }
        guard case .end = scanner.next() else { return .needsOrdinaryPath }
        return .encoded
    }

    /// Sets column `c`'s value in `row`; false when it needs a note or an error (a number for a
    /// categorical column or NaN, a text for a numeric column or not a category, missing).
    @inline(__always)
    private func set(_ kind: RawFieldView.Kind, column c: Int, _ column: Column, _ row: UnsafeMutablePointer<Double>) -> Bool {
        switch kind {
        case let .number(v):
            guard column.numeric, !v.isNaN else { return false }
            row[column.offset] = v
        case let .text(t):
            guard !column.numeric, let k = categories[c].index(of: t) else { return false }
            row[column.offset + k] = 1
        case .missing:
            return false
        }
        return true
    }

    /// Looks up the record's names and remembers their order; false (and no order remembered)
    /// when a name is unknown or repeated, or the record does not hold exactly as many fields as
    /// columns (then no repeat means every column is named once), or its bytes are not read here.
    private func learn(_ bytes: UnsafeBufferPointer<UInt8>, _ state: UnsafeMutablePointer<RecordOrder.State>) -> Bool {
        let width = columns.count
        let order = state.pointee.columns, seen = state.pointee.seen
        for c in 0..<width { seen[c] = false }
        var scanner = RecordScanner(bytes)
        for i in 0..<width {
            guard case let .field(field) = scanner.next(), let c = names.index(of: field.name), !seen[c] else { return false }
            seen[c] = true
            order[i] = Int32(c)
        }
        guard case .end = scanner.next() else { return false }
        state.pointee.isKnown = true
        return true
    }
}
