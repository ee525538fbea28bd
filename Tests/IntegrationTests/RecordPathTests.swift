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
}
