// InputPolicyTests: nothing is guessed silently. Fills are noted per row and column, strict
// requests (or --strict-inputs) refuse them, and values of the wrong kind are refused always.

import Foundation
import GroveForest
import GroveModelStore
import GroveWire
import Testing

@Suite struct InputPolicyTests {
    static let m = ModelSelector(name: "german_credit")

    static func predict(_ c: RawClient, id: UInt64 = 1, records: [RawRecord] = [], dense: [Double] = [], strict: Bool = false) throws -> Response {
        try c.call(Request(id: id, call: .predict(PredictRequest(model: m, dense: dense, records: records, strict: strict))))
    }

    @Test func aCompleteRecordCarriesNoNotes() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        let r = try Self.predict(c, records: [Fixtures.germanRecord(0), Fixtures.germanRecord(1)], strict: true)
        guard case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return }
        #expect(p.notes.isEmpty)
    }

    @Test func absentMissingAndUnseenInputsAreNotedPerRowAndColumn() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        // Row 0: 3 of 20 columns, one of them missing; row 1: complete but an unseen category.
        let partial = RawRecord([RawField("age_in_years", .number(35)), RawField("housing", .text("castle")),
                                 RawField("credit_amount", .missing)])
        var unseen = Fixtures.germanRecord(1)
        let purpose = try #require(unseen.fields.firstIndex { $0.name == "purpose" })
        unseen.fields[purpose].value = .text("yacht")
        let r = try Self.predict(c, records: [partial, unseen])
        guard case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return }
        let row0 = p.notes.filter { $0.row == 0 }
        #expect(row0.filter { $0.kind == .absent }.count == 17)
        #expect(row0.contains(RowNote(row: 0, column: "credit_amount", kind: .missing)))
        #expect(row0.contains(RowNote(row: 0, column: "housing", kind: .unseenCategory, value: "castle")))
        #expect(!row0.contains { $0.column == "age_in_years" })
        #expect(p.notes.filter { $0.row == 1 } == [RowNote(row: 1, column: "purpose", kind: .unseenCategory, value: "yacht")])
        #expect(p.notes.map(\.row) == p.notes.map(\.row).sorted())
    }

    /// 30,000 empty records (a 60 KB frame) carry 600,000 ABSENT notes: their answer's C form
    /// takes more than an arena's default 64 MiB. It is answered (the server's outgoing arena
    /// is unbounded; the answer's encoded size is what is bounded), and the server serves on.
    @Test func anAnswerWithManyNotesIsAnsweredAndTheServerServesOn() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port, timeoutSeconds: 120)
        let rows = 30_000
        try c.send(Request(id: 7, call: .predict(PredictRequest(model: Self.m, records: Array(repeating: RawRecord([]), count: rows)))))
        let r = try Response(decoding: c.readFrame(), arena: Arena(limit: 1 << 30))
        guard case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return }
        #expect(p.rows == UInt32(rows))
        #expect(p.notes.count == rows * 20)
        #expect(p.notes.allSatisfy { $0.kind == .absent })
        let after = try Self.predict(c, id: 8, records: [Fixtures.germanRecord(0)])
        #expect(after.status.code == .ok, "\(after.status)")
    }

    /// 60,000 empty records would carry 1,200,000 notes, over `maxNotesPerAnswer`: refused with
    /// RESOURCE_EXHAUSTED before the answer is built, and the server serves on.
    @Test func tooManyNotesAreRefusedBeforeTheAnswerIsBuilt() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port, timeoutSeconds: 120)
        let r = try Self.predict(c, id: 9, records: Array(repeating: RawRecord([]), count: 60_000))
        #expect(r.status.code == .resourceExhausted && r.status.message.contains("more than 1000000 input values"), "\(r.status)")
        let after = try Self.predict(c, id: 10, records: [Fixtures.germanRecord(0)])
        #expect(after.status.code == .ok, "\(after.status)")
    }

    /// A model with a one-hot column of 1,000 categories: 40,000 empty records (80 KB) would be
    /// 40,000 x 1,001 encoded values (320 MB), over `maxEncodedValues`: refused with
    /// RESOURCE_EXHAUSTED before the matrix is allocated, by the record hot path and the ordinary
    /// path alike, and the server serves on.
    @Test func tooManyEncodedValuesAreRefusedBeforeAllocating() throws {
        let n = 1_000
        let table = try DataTable(columns: [.categorical("c", (0..<n).map { "v\($0)" }), .numeric("x", (0..<n).map(Double.init)),
                                            .categorical("y", (0..<n).map { $0 % 2 == 0 ? "p" : "q" })])
        var p = TrainingParameters(task: .classification)
        p.trees = 2
        p.testFraction = 0   // every category is learned
        let model = try ModelTrainer.train(table: table, target: "y", task: .classification, parameters: p, name: "wide")
        #expect(model.preprocessing.featureNames.count == 1_001)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port, timeoutSeconds: 120)
        let wide = ModelSelector(name: "wide")
        let r = try c.call(Request(id: 11, call: .predict(PredictRequest(model: wide, records: Array(repeating: RawRecord([]), count: 40_000)))))
        #expect(r.status.code == .resourceExhausted && r.status.message.contains("one request may encode at most 33554432"), "\(r.status)")
        let after = try c.call(Request(id: 12, call: .predict(PredictRequest(model: wide, records: [RawRecord([RawField("c", .text("v3")), RawField("x", .number(3))])]))))
        #expect(after.status.code == .ok, "\(after.status)")
    }

    @Test func strictRequestsRefuseAnyFillNamingRowsAndColumns() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        var unseen = Fixtures.germanRecord(0)
        let housing = try #require(unseen.fields.firstIndex { $0.name == "housing" })
        unseen.fields[housing].value = .text("castle")
        let r = try Self.predict(c, records: [Fixtures.germanRecord(1), unseen], strict: true)
        #expect(r.status.code == .invalidArgument)
        #expect(r.status.message.contains("row 1") && r.status.message.contains("housing") && r.status.message.contains("castle"), "\(r.status.message)")
        // Dense rows: NaN is a fill too (the feature is named).
        var dense = try Fixtures.germanModel(trees: 3).preprocessing.encode(record: Fixtures.germanRecord(0).recordFields())
        dense[0] = .nan
        let d = try Self.predict(c, id: 2, dense: dense, strict: true)
        #expect(d.status.code == .invalidArgument)
        #expect(d.status.message.contains("row 0"), "\(d.status.message)")
        let lenient = try Self.predict(c, id: 3, dense: dense)
        guard case let .predict(p)? = lenient.result else { Issue.record("\(lenient.status)"); return }
        #expect(p.notes.count == 1 && p.notes.first?.kind == .missing && p.notes.first?.row == 0)
    }

    @Test func aServerWithStrictInputsRefusesFillsForEveryRequest() throws {
        let s = try TestServer(configure: { $0.strictInputs = true }) { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        let r = try Self.predict(c, records: [RawRecord([RawField("age_in_years", .number(35))])], strict: false)
        #expect(r.status.code == .invalidArgument)
        #expect(r.status.message.contains("housing") && r.status.message.contains("absent"), "\(r.status.message)")
        #expect(try Self.predict(c, id: 2, records: [Fixtures.germanRecord(3)]).status.code == .ok)
    }

    @Test func wrongKindValuesAreInvalidArgumentEvenWhenNotStrict() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        let number = try Self.predict(c, records: [RawRecord([RawField("housing", .number(3))])])
        #expect(number.status.code == .invalidArgument)
        #expect(number.status.message.contains("housing") && number.status.message.contains("categorical"), "\(number.status.message)")
        let text = try Self.predict(c, id: 2, records: [RawRecord([RawField("age_in_years", .text("thirty"))])])
        #expect(text.status.code == .invalidArgument)
        #expect(text.status.message.contains("age_in_years") && text.status.message.contains("thirty"), "\(text.status.message)")
        #expect(try c.call(Request(id: 3, call: .health)).status.code == .ok)
    }
}
