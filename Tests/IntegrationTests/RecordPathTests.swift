// RecordPathTests: raw records answered in place (the record hot path) give the ordinary path's answers,
// whatever the field order, and everything that needs a note or an error still gets it.

import Foundation
import GroveForest
import GroveModelStore
import GroveWire
import Testing

@Suite struct RecordPathTests {
    static let m = ModelSelector(name: "german_credit")

    /// The probabilities a request answers with, or nil (recorded as an issue).
    static func probabilities(_ c: RawClient, _ records: [RawRecord], id: UInt64 = 1) throws -> PredictResponse? {
        let r = try c.call(Request(id: id, call: .predict(PredictRequest(model: m, records: records))))
        guard r.id == id, case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return nil }
        return p
    }

    /// Every field order, on one connection (so the loop's remembered order must be confirmed
    /// field by field), answers exactly as the offline forest does on the preprocessing's
    /// encoding; so does the same record through the ordinary path (a number sent as text).
    @Test func anyFieldOrderAnswersAsTheOrdinaryPathBitForBit() throws {
        let model = try Fixtures.germanModel()
        let s = try TestServer(threads: 1, populate: { try Fixtures.publish(model, into: $0) })
        let c = try RawClient(port: s.port)
        let compiled = try CompiledForest(forest: model.forest)
        var generator = RandomGenerator(seed: 9)
        for i in 0..<40 {
            var record = Fixtures.germanRecord(i)
            let expected = try compiled.predict(row: model.preprocessing.encode(record: record.recordFields()))
            switch i % 4 {
            case 0: break                                   // the remembered order
            case 1: record.fields.reverse()                 // every position differs
            case 2:  // two numeric fields trade places: same kinds at every position, other columns
                let numbers = record.fields.indices.filter { if case .number = record.fields[$0].value { return true }; return false }
                record.fields.swapAt(numbers[0], numbers[1])
            default: record.fields.shuffle(using: &generator)
            }
            guard let p = try Self.probabilities(c, [record], id: UInt64(i)) else { return }
            #expect(p.probabilities.map(\.bitPattern) == expected.map(\.bitPattern), "record \(i), order case \(i % 4)")
            #expect(p.notes.isEmpty && p.rows == 1)
            // The ordinary path: the first numeric column's value sent as text.
            var ordinary = record
            let k = ordinary.fields.firstIndex { if case .number = $0.value { return true }; return false }!
            if case let .number(x) = ordinary.fields[k].value { ordinary.fields[k].value = .text(Preprocessing.labelText(x)) }
            guard let q = try Self.probabilities(c, [ordinary], id: UInt64(100 + i)) else { return }
            #expect(q.probabilities.map(\.bitPattern) == expected.map(\.bitPattern))
        }
        // Several records in one request, each in its own order.
        let batch = (0..<10).map { i -> RawRecord in
            var r = Fixtures.germanRecord(i)
            if i % 2 == 1 { r.fields.reverse() }
            return r
        }
        guard let p = try Self.probabilities(c, batch) else { return }
        let x = try model.preprocessing.encode(table: Fixtures.germanTable, rows: Array(0..<10))
        let offline = try compiled.predict(matrix: x)
        #expect(p.probabilities.map(\.bitPattern) == offline.map(\.bitPattern))
        // Labels only.
        let r = try c.call(Request(id: 7, call: .predict(PredictRequest(model: Self.m, records: [Fixtures.germanRecord(0)], labelsOnly: true))))
        guard case let .predict(l)? = r.result else { Issue.record("\(r.status)"); return }
        #expect(l.probabilities.isEmpty && l.classIndex.count == 1)
    }

    /// After the loop has remembered an order, records that need a note or an error are still
    /// noted or refused exactly as before: a repeated column in place of another (as many fields
    /// as columns), an unknown one, the target column, an unseen category, a missing value.
    @Test func recordsThatNeedNotesOrErrorsStillGetThem() throws {
        let s = try TestServer(threads: 1, populate: { try Fixtures.publish(Fixtures.germanModel(), into: $0) })
        let c = try RawClient(port: s.port)
        let base = Fixtures.germanRecord(0)
        _ = try Self.probabilities(c, [base])   // remember the order

        var repeated = base
        repeated.fields[1].name = repeated.fields[0].name
        let dup = try c.call(Request(id: 2, call: .predict(PredictRequest(model: Self.m, records: [repeated]))))
        #expect(dup.status.code == .invalidArgument && dup.status.message.contains(base.fields[0].name), "\(dup.status)")

        var unknown = base
        unknown.fields[3].name = "no_such_column"
        let u = try c.call(Request(id: 3, call: .predict(PredictRequest(model: Self.m, records: [unknown]))))
        #expect(u.status.code == .invalidArgument && u.status.message.contains("no_such_column"), "\(u.status)")

        var withTarget = base
        withTarget.fields.append(RawField("creditability", .text("good")))
        let plain = try Self.probabilities(c, [base])
        let t = try Self.probabilities(c, [withTarget])
        #expect(t?.probabilities == plain?.probabilities && t?.notes.isEmpty == true)

        var absent = base
        let dropped = absent.fields.removeLast().name
        let a = try Self.probabilities(c, [absent])
        #expect(a?.notes == [RowNote(row: 0, column: dropped, kind: .absent)])

        var unseen = base
        let cat = unseen.fields.firstIndex { if case .text = $0.value { return true }; return false }!
        unseen.fields[cat].value = .text("castle")
        let un = try Self.probabilities(c, [unseen])
        #expect(un?.notes == [RowNote(row: 0, column: base.fields[cat].name, kind: .unseenCategory, value: "castle")])

        var missing = base
        let num = missing.fields.firstIndex { if case .number = $0.value { return true }; return false }!
        missing.fields[num].value = .number(.nan)
        let mi = try Self.probabilities(c, [missing])
        #expect(mi?.notes == [RowNote(row: 0, column: base.fields[num].name, kind: .missing)])

        // A number in a categorical column's place, and a second record that is fine.
        var wrongKind = base
        wrongKind.fields[cat].value = .number(12345)
        let w = try c.call(Request(id: 9, call: .predict(PredictRequest(model: Self.m, records: [base, wrongKind]))))
        #expect(w.status.code == .invalidArgument && w.status.message.contains("record 1"), "\(w.status)")

        // The remembered order still answers afterwards.
        let again = try Self.probabilities(c, [base])
        #expect(again?.probabilities == plain?.probabilities)
    }

    // Wire bytes built by hand, so that records can hold what no client writes.
    static func varint(_ v: Int) -> [UInt8] {
        var v = UInt64(v), out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func delimited(_ number: Int, _ bytes: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(bytes.count) + bytes }
    static func value(_ v: RawField.Value) -> [UInt8] {
        switch v {
        case let .number(x): return [0x11] + withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) }
        case let .text(t): return delimited(3, Array(t.utf8))
        case .missing: return [0x20, 0x01]
        }
    }
    /// A request frame: id, then the predict call's bytes (model selector and records) as given.
    static func frame(id: Int, predicts: [[UInt8]]) -> [UInt8] {
        let body = [0x08] + varint(id) + predicts.flatMap { delimited(13, delimited(1, delimited(1, Array("german_credit".utf8))) + $0) }
        return withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) } + body
    }

    /// Records read from their bytes keep protobuf's rules: unknown fields are skipped and the last
    /// name and value of a field win (answered as the clean record, bit for bit); a record whose
    /// bytes protobuf-c refuses is refused as before (INVALID_ARGUMENT, the server keeps serving),
    /// also when an order is remembered and the record's first fields match it; and a request
    /// whose records the lazy twin would not see all of (a second predict call replacing the
    /// first) is left to the ordinary path, which refuses the first call's malformed record.
    @Test func recordBytesFollowProtobufRules() throws {
        let s = try TestServer(threads: 1, populate: { try Fixtures.publish(Fixtures.germanModel(), into: $0) })
        let c = try RawClient(port: s.port)
        let base = Fixtures.germanRecord(0)
        guard let plain = try Self.probabilities(c, [base]) else { return }   // remembers the order
        let unknown: [UInt8] = [0x48, 0x96, 0x01, 0x55, 1, 2, 3, 4]           // field 9 varint, field 10 fixed32
        let clean = base.fields.map { Self.delimited(1, Self.delimited(1, Array($0.name.utf8)) + Self.value($0.value)) }
        let noisy = base.fields.map {
            Self.delimited(1, Self.delimited(1, Array("decoy".utf8)) + Self.value(.text("decoy")) + unknown
                              + Self.delimited(1, Array($0.name.utf8)) + Self.value($0.value)) + unknown
        }
        // Fields that yield nothing, at the scanner's bound (answered in place) and one above
        // (declined, answered by the ordinary path): the same answer.
        let filler: [UInt8] = [0x48, 0x01]
        let atBound = Array(repeating: filler, count: RecordScanner.maxSkippedFields) + clean
        let aboveBound = Array(repeating: filler, count: RecordScanner.maxSkippedFields + 1) + clean
        for (id, fields) in [(2, clean), (3, noisy), (5, atBound), (6, aboveBound)] {
            try c.send(Self.frame(id: id, predicts: [Self.delimited(3, fields.flatMap { $0 })]))
            let r = try c.readResponse()
            guard r.id == UInt64(id), case let .predict(p)? = r.result else { Issue.record("\(id): \(r.status)"); continue }
            #expect(p.probabilities.map(\.bitPattern) == plain.probabilities.map(\.bitPattern), "request \(id)")
        }
        // The last field's number sent as a varint (wire type 0): protobuf-c refuses the request.
        var bad = clean
        bad[bad.count - 1] = Self.delimited(1, Self.delimited(1, Array(base.fields[bad.count - 1].name.utf8)) + [0x10, 0x01])
        let badRecord = Self.delimited(3, bad.flatMap { $0 })
        let goodRecord = Self.delimited(3, clean.flatMap { $0 })
        for (what, predicts) in [("a malformed record", [badRecord]), ("a good record, then a malformed one", [goodRecord + badRecord]),
                                 ("a predict with a malformed record replaced by a good one", [badRecord, goodRecord])] {
            try c.send(Self.frame(id: 4, predicts: predicts))
            let r = try c.readResponse()
            #expect(r.status.code == .invalidArgument && r.result == nil, "\(what): \(r.status)")
        }
        #expect(try Self.probabilities(c, [base])?.probabilities == plain.probabilities)
    }
}
