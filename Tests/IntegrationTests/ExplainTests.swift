// ExplainTests: Explain and inline reasons over real sockets: the Swift client, reasons files, hot swaps, audit.

import Foundation
import Glibc
import GroveClient
import GroveForest
import GroveModelStore
@testable import GroveServer
import GroveWire
import Testing

@Suite struct ExplainTests {
    static let german = ModelSelector(name: "german_credit")

    /// The in-process explanation of German row `i` by `model`, for comparison.
    static func local(_ model: TrainedModel, row i: Int, topK: Int = 4, catalog: ReasonCatalog = ReasonCatalog()) throws -> RowExplanation {
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let fields = Fixtures.germanRecord(i).recordFields(excluding: "creditability")
        let row = try model.preprocessing.encode(record: fields)
        return try row.withUnsafeBufferPointer {
            try explainer.explain(row: $0, record: fields, output: explainer.defaultOutput, topK: topK, catalog: catalog,
                                  scratch: ExplainScratch(for: explainer.forest))
        }
    }


    @Test func theSwiftClientGetsTheExactExplanationAndReasons() async throws {
        let model = try Fixtures.germanModel(trees: 8)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let records = [3, 7, 11].map(Fixtures.germanRecord)
        let answer = try client.explain(ExplainTests.german, records: records)
        #expect(answer.model == "german_credit" && answer.version == 1)
        #expect(answer.explainedClass == "bad" && answer.scale == "probability")
        #expect(answer.columns == model.preprocessing.columns.map(\.name))
        #expect(answer.rows.count == 3)
        let predicted = try client.predict(ExplainTests.german, records: records)
        let bad = try #require(model.preprocessing.positiveClass)
        for (k, i) in [3, 7, 11].enumerated() {
            let row = answer.rows[k]
            let expected = try ExplainTests.local(model, row: i)
            #expect(row.contributions == expected.columns)
            #expect(row.prediction == expected.prediction && row.baseValue == expected.baseValue)
            #expect(abs(row.baseValue + row.contributions.reduce(0, +) - predicted.probabilities[k * 2 + bad]) < 1e-9)
            #expect(row.reasons.map(\.column) == expected.reasons.map(\.column))
            #expect(row.reasons.count <= 4 && row.reasons.allSatisfy { $0.contribution > 0 && $0.text == $0.column && $0.code.isEmpty })
        }
        // Async, dense rows, encoded features, another class and top_k.
        let dense = try model.preprocessing.encode(record: records[0].recordFields(excluding: "creditability"))
        let other = try await client.explain(ExplainRequest(model: ExplainTests.german, dense: dense, topK: 2,
                                                            encodedFeatures: true, classLabel: "good"))
        #expect(other.explainedClass == "good" && other.featureNames == model.preprocessing.featureNames)
        #expect(other.rows[0].reasons.count <= 2 && other.rows[0].featureContributions.count == dense.count)
        #expect(abs(other.rows[0].featureContributions.reduce(0, +) + answer.rows[0].contributions.reduce(0, +)) < 1e-9)
        // Bad calls get a clear status, and the server keeps serving.
        for (bad, code) in [(ExplainRequest(model: ExplainTests.german, dense: [1, 2, 3]), StatusCode.invalidArgument),
                            (ExplainRequest(model: ExplainTests.german, records: records, topK: 65), .invalidArgument),
                            (ExplainRequest(model: ExplainTests.german, records: records, classLabel: "ugly"), .invalidArgument),
                            (ExplainRequest(model: ModelSelector(name: "nope"), records: records), .notFound)] {
            do {
                _ = try client.explain(bad, timeoutSeconds: 5)
                Issue.record("expected \(code)")
            } catch {
                #expect(error.code == code)
            }
        }
        #expect(try client.health(timeoutSeconds: 5).status == .serving)
    }

    @Test func predictCarriesInlineReasonsEqualToExplain() throws {
        let model = try Fixtures.germanModel(trees: 6)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port)
        let records = [1, 2].map(Fixtures.germanRecord)
        let dense = try records.flatMap { try model.preprocessing.encode(record: $0.recordFields(excluding: "creditability")) }
        for request in [PredictRequest(model: ExplainTests.german, records: records, reasons: 3),
                        PredictRequest(model: ExplainTests.german, dense: dense, reasons: 3)] {
            let r = try c.call(Request(id: 5, call: .predict(request)))
            guard case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return }
            #expect(p.rows == 2 && p.probabilities.count == 4 && p.explainedClass == "bad")
            let e = try RawClient(port: s.port).call(Request(id: 6, call: .explain(ExplainRequest(
                model: ExplainTests.german, dense: request.dense, records: request.records, topK: 3))))
            guard case let .explain(x)? = e.result else { Issue.record("\(e.status)"); return }
            #expect(p.reasons.map { $0.map(\.column) } == x.rows.map { $0.reasons.map(\.column) })
            #expect(p.reasons.count == 2 && p.reasons.allSatisfy { $0.count <= 3 })
        }
        // Without reasons the answer has none (and takes the allocation-free path for dense rows).
        let plain = try c.call(Request(id: 7, call: .predict(PredictRequest(model: ExplainTests.german, dense: dense))))
        guard case let .predict(p)? = plain.result else { Issue.record("\(plain.status)"); return }
        #expect(p.reasons.isEmpty && p.explainedClass.isEmpty)
    }

    /// Dense rows with inline reasons take the allocation-free path (`ServedModel.predictDense(
    /// _:labelsOnly:reasons:...)`): its bytes must be the ordinary encoding of the answer, and
    /// its reasons (values, codes and texts included) exactly the in-process explainer's.
    @Test func inlineReasonsOnTheDensePathEqualTheExplainer() throws {
        let model = try Fixtures.germanModel(trees: 6)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let rows = [0, 4, 9]
        let table = try model.preprocessing.encode(table: Fixtures.germanTable, rows: rows)
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let first = try table.values.withUnsafeBufferPointer {
            try explainer.explain(row: UnsafeBufferPointer(rebasing: $0[0..<table.featureCount]), output: explainer.defaultOutput,
                                  topK: 64, scratch: ExplainScratch(for: explainer.forest))
        }
        let worded = try #require(first.reasons.first?.column)
        let file = "column,code,text\n\(worded),R07,\"Worded, with a comma\"\n"
        try Data(file.utf8).write(to: s.repository.appendingPathComponent("german_credit/reasons"))
        let catalog = try ReasonCatalog(csv: file)
        let c = try RawClient(port: s.port)
        #expect(try Fixtures.eventually(within: 10) {
            let r = try c.call(Request(id: 1, call: .predict(PredictRequest(model: ExplainTests.german, dense: table.values, reasons: 4))))
            guard case let .predict(p)? = r.result else { return false }
            return p.reasons.first?.first?.code == "R07"
        })
        // The plain answer, which the inline reasons' answer must carry bit for bit (its prediction
        // is walked beside the explanation's first half, on the hot path of its own).
        let plain = try c.call(Request(id: 8, call: .predict(PredictRequest(model: ExplainTests.german, dense: table.values))))
        guard case let .predict(plainAnswer)? = plain.result else { Issue.record("\(plain.status)"); return }
        for (topK, labelsOnly) in [(4, false), (1, true), (64, false)] {
            try c.send(Request(id: 9, call: .predict(PredictRequest(model: ExplainTests.german, dense: table.values,
                                                                     labelsOnly: labelsOnly, reasons: UInt32(topK)))))
            let body = try c.readFrame()
            let decoded = try Response(decoding: body)
            #expect(decoded.encoded() == body)
            guard case let .predict(p)? = decoded.result else { Issue.record("\(decoded.status)"); continue }
            #expect(p.explainedClass == "bad" && p.reasons.count == rows.count && p.probabilities.count == (labelsOnly ? 0 : 6))
            #expect(p.classIndex == plainAnswer.classIndex)
            if !labelsOnly { #expect(p.probabilities.map(\.bitPattern) == plainAnswer.probabilities.map(\.bitPattern)) }
            for r in 0..<rows.count {
                let expected = try table.values.withUnsafeBufferPointer {
                    try explainer.explain(row: UnsafeBufferPointer(rebasing: $0[(r * table.featureCount)..<((r + 1) * table.featureCount)]),
                                          output: explainer.defaultOutput, topK: topK, catalog: catalog,
                                          scratch: ExplainScratch(for: explainer.forest))
                }
                #expect(!expected.reasons.isEmpty)
                #expect(p.reasons[r] == expected.reasons.map { ReasonCode(column: $0.column, contribution: $0.contribution,
                                                                          value: $0.value, code: $0.code, text: $0.text) })
            }
        }
        // Edited while serving: the hot path's texts (resolved once per reasons file and loop) follow.
        try Data("column,code,text\n\(worded),R08,Edited\n".utf8).write(to: s.repository.appendingPathComponent("german_credit/reasons"))
        #expect(try Fixtures.eventually(within: 10) {
            let r = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ExplainTests.german, dense: table.values, reasons: 4))))
            guard case let .predict(p)? = r.result else { return false }
            return p.reasons.first?.first?.code == "R08" && p.reasons.first?.first?.text == "Edited"
        })
        // What the hot path does not answer, the ordinary path does (top_k above the maximum).
        let tooMany = try c.call(Request(id: 3, call: .predict(PredictRequest(model: ExplainTests.german, dense: table.values, reasons: 65))))
        #expect(tooMany.status.code == .invalidArgument)
    }

    /// Explain calls of dense rows for the default class take the allocation-free path
    /// (`ServedModel.explainDense`); naming that class explicitly takes the ordinary path: both
    /// must answer the same bytes, which must be the ordinary encoding of the answer.
    @Test func theDenseExplainPathAnswersAsTheOrdinaryPath() throws {
        let model = try Fixtures.germanModel(trees: 6)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let table = try model.preprocessing.encode(table: Fixtures.germanTable, rows: [2, 5, 8, 13])
        let columns = model.preprocessing.columns.map(\.name)
        try Data("column,code,text\n\(columns[0]),R01,First\n\(columns[4]),R05,Fifth\n".utf8)
            .write(to: s.repository.appendingPathComponent("german_credit/reasons"))
        let c = try RawClient(port: s.port)
        #expect(try Fixtures.eventually(within: 10) {
            let r = try c.call(Request(id: 1, call: .explain(ExplainRequest(model: ExplainTests.german, dense: table.values, topK: 64))))
            guard case let .explain(x)? = r.result else { return false }
            return x.rows.contains { $0.reasons.contains { $0.code == "R01" || $0.code == "R05" } }
        })
        func frame(_ request: ExplainRequest) throws -> [UInt8] {
            try c.send(Request(id: 21, call: .explain(request)))
            return try c.readFrame()
        }
        for (topK, contributions, features) in [(0, false, false), (2, true, false), (64, true, true), (1, false, true)] {
            let hot = try frame(ExplainRequest(model: ExplainTests.german, dense: table.values, topK: UInt32(topK),
                                               contributions: contributions, encodedFeatures: features))
            let ordinary = try frame(ExplainRequest(model: ExplainTests.german, dense: table.values, topK: UInt32(topK),
                                                    contributions: contributions, encodedFeatures: features, classLabel: "bad"))
            #expect(hot == ordinary)
            let decoded = try Response(decoding: hot)
            #expect(decoded.encoded() == hot)
            guard case let .explain(x)? = decoded.result else { Issue.record("\(decoded.status)"); continue }
            #expect(x.rows.count == 4 && x.explainedClass == "bad" && x.scale == "probability")
            #expect(x.columns == (contributions ? columns : []) && x.featureNames == (features ? model.preprocessing.featureNames : []))
            #expect(x.rows.allSatisfy { !$0.reasons.isEmpty && $0.reasons.count <= (topK == 0 ? 4 : topK) })
        }
        // What the hot path does not answer, the ordinary path does.
        let tooMany = try c.call(Request(id: 3, call: .explain(ExplainRequest(model: ExplainTests.german, dense: table.values, topK: 65))))
        #expect(tooMany.status.code == .invalidArgument)
        let short = try c.call(Request(id: 4, call: .explain(ExplainRequest(model: ExplainTests.german, dense: [1, 2, 3]))))
        #expect(short.status.code == .invalidArgument)
    }

    /// A dense row's missing (NaN) numeric values are explained filled with the training mean,
    /// but their reasons read "missing (filled with M)", not M, in Explain and in Predict's
    /// inline reasons alike (rows with NaN take the ordinary path).
    @Test func missingDenseValuesReadMissingInReasons() throws {
        let model = try Fixtures.germanModel(trees: 6)
        let prep = model.preprocessing
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let rows = [0, 4, 9]
        var dense = try prep.encode(table: Fixtures.germanTable, rows: rows).values
        var filledText: [String: String] = [:]
        for (c, column) in prep.columns.enumerated() where column.kind == .numeric {
            filledText[column.name] = "missing (filled with \(Preprocessing.labelText(column.fillValue)))"
            for r in rows.indices { dense[r * prep.featureCount + prep.firstFeature(ofColumn: c)] = .nan }
        }
        #expect(filledText.count >= 2)
        let c = try RawClient(port: s.port)
        let e = try c.call(Request(id: 1, call: .explain(ExplainRequest(model: ExplainTests.german, dense: dense, topK: 64))))
        guard case let .explain(x)? = e.result else { Issue.record("\(e.status)"); return }
        let p = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ExplainTests.german, dense: dense, reasons: 64))))
        guard case let .predict(inline)? = p.result else { Issue.record("\(p.status)"); return }
        #expect(inline.reasons == x.rows.map(\.reasons))
        let numeric = x.rows.flatMap(\.reasons).filter { filledText[$0.column] != nil }
        #expect(!numeric.isEmpty)
        for reason in numeric { #expect(reason.value == filledText[reason.column], "\(reason)") }
    }

    /// A model whose encoded feature names repeat (made before training refused them, or
    /// imported): `grove call explain --encoded-features --json` sums the features sharing a
    /// name instead of trapping, so the object still adds up.
    @Test func theCLIPrintsRepeatedFeatureNamesSummed() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first (swift build --build-tests builds it)")
        var model = try Fixtures.germanModel(trees: 4)
        let p = model.preprocessing
        // A numeric column renamed to a categorical column's first feature name.
        let c = try #require(p.columns.firstIndex { $0.kind == .categorical })
        let n = try #require(p.columns.firstIndex { $0.kind == .numeric })
        let clash = "\(p.columns[c].name)_\(p.columns[c].categories[0])"
        var columns = p.columns
        columns[n].name = clash
        model.preprocessing = try Preprocessing(target: p.target, columns: columns, classes: p.classes, positiveClass: p.positiveClass)
        #expect(model.preprocessing.featureNames.filter { $0 == clash }.count == 2)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let dense = try p.encode(table: Fixtures.germanTable, rows: [3]).values
        let (status, out, err) = try Fixtures.runGrove(["call", "127.0.0.1:\(s.port)", "explain", "--model", "german_credit",
                                                        "--features", dense.map { "\($0)" }.joined(separator: ","),
                                                        "--encoded-features", "--json"])
        #expect(status == 0, "\(err)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let rows = try #require((object["explain"] as? [String: Any])?["rows"] as? [[String: Any]])
        let features = try #require(rows.first?["feature_contributions"] as? [String: Double])
        let expected = try ExplainTests.localDense(model, dense)
        #expect(features.count == p.featureCount - 1)
        let first = p.firstFeature(ofColumn: c), numeric = p.firstFeature(ofColumn: n)
        let summed = try #require(features[clash])
        #expect(abs(summed - (expected.features[first] + expected.features[numeric])) < 1e-12)
    }

    /// The in-process explanation of one dense row by `model`, with every feature's contribution.
    static func localDense(_ model: TrainedModel, _ row: [Double]) throws -> RowExplanation {
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        return try row.withUnsafeBufferPointer {
            try explainer.explain(row: $0, output: explainer.defaultOutput, topK: 4, features: true,
                                  scratch: ExplainScratch(for: explainer.forest))
        }
    }

    @Test func theReasonsFileIsReadAndReloadedWhileServing() throws {
        let model = try Fixtures.germanModel(trees: 6)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let record = Fixtures.germanRecord(4)
        let expected = try ExplainTests.local(model, row: 4, topK: 64)
        let columns = expected.reasons.map(\.column)
        #expect(columns.count >= 2)
        func reasons() throws -> [ReasonCode] {
            try client.explain(ExplainRequest(model: ExplainTests.german, records: [record], topK: 64)).rows[0].reasons
        }
        // Absent: the column name is the text.
        #expect(try reasons().map(\.text) == columns)
        let file = s.repository.appendingPathComponent("german_credit/reasons")
        try Data("column,code,text\n\(columns[0]),R01,\"First reason, worded\"\n".utf8).write(to: file)
        #expect(try Fixtures.eventually(within: 10) { try reasons()[0].code == "R01" })
        #expect(try reasons()[0].text == "First reason, worded")
        #expect(try reasons()[1].text == columns[1])
        // Edited while serving: the new wording appears.
        try Data("column,code,text\n\(columns[0]),R09,Edited\n\(columns[1]),R02,Second\n".utf8).write(to: file)
        #expect(try Fixtures.eventually(within: 10) { try reasons()[1].code == "R02" })
        #expect(try reasons()[0].text == "Edited")
        // A malformed file keeps the previous codes.
        try Data("column,code,text\n\(columns[0]),R09,Edited\n\(columns[0]),R10,twice\n".utf8).write(to: file)
        usleep(800_000)
        #expect(try reasons()[1].code == "R02")
        // Removed: back to column names.
        try FileManager.default.removeItem(at: file)
        #expect(try Fixtures.eventually(within: 10) { try reasons()[0].code.isEmpty })
    }

    @Test func explanationsComeFromTheVersionThatAnswered() throws {
        let v1 = try Fixtures.germanModel(trees: 4, seed: 1)
        var v2 = try Fixtures.germanModel(trees: 5, seed: 2)
        v2.version = 2
        let s = try TestServer { try Fixtures.publish(v1, into: $0) }
        let expected: [UInt64: RowExplanation] = [1: try ExplainTests.local(v1, row: 9), 2: try ExplainTests.local(v2, row: 9)]
        #expect(expected[1]!.prediction != expected[2]!.prediction)
        let c = try RawClient(port: s.port)
        var seen: Set<UInt64> = []
        var mismatches = 0
        var id: UInt64 = 0
        let deadline = Date().addingTimeInterval(15)
        var published = false
        while Date() < deadline && seen.count < 2 {
            id += 1
            let r = try c.call(Request(id: id, call: .explain(ExplainRequest(model: ExplainTests.german, records: [Fixtures.germanRecord(9)], contributions: true))))
            guard case let .explain(e)? = r.result else { Issue.record("\(r.status)"); return }
            seen.insert(e.version)
            if e.rows[0].prediction != expected[e.version]?.prediction || e.rows[0].contributions != expected[e.version]?.columns {
                mismatches += 1
            }
            if id == 20 && !published {
                try Fixtures.publish(v2, into: s.repository)
                published = true
            }
        }
        #expect(seen == [1, 2])
        #expect(mismatches == 0)
    }

    @Test func aModelWithoutCoverIsFailedPrecondition() throws {
        var model = try Fixtures.germanModel(trees: 3)
        for t in model.forest.trees.indices { model.forest.trees[t].cover = [] }
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port)
        let r = try c.call(Request(id: 1, call: .explain(ExplainRequest(model: ExplainTests.german, records: [Fixtures.germanRecord(0)]))))
        #expect(r.status.code == .failedPrecondition)
        #expect(r.status.message.contains("cover"))
        let inline = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ExplainTests.german, records: [Fixtures.germanRecord(0)], reasons: 2))))
        #expect(inline.status.code == .failedPrecondition)
        let info = try c.call(Request(id: 3, call: .modelInfo(ExplainTests.german)))
        guard case let .modelInfo(i)? = info.result else { Issue.record("\(info.status)"); return }
        #expect(!i.explainable && i.explainError.contains("cover"))
        let p = try c.call(Request(id: 4, call: .predict(PredictRequest(model: ExplainTests.german, records: [Fixtures.germanRecord(0)]))))
        #expect(p.status.code == .ok)
    }

    /// `grove evaluate` on a model that cannot be explained prints its metrics, without the
    /// importance, and a note saying why.
    @Test func evaluateWithoutExplanationsKeepsTheMetrics() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first (swift build --build-tests builds it)")
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-evaluate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        var model = try Fixtures.germanModel(trees: 3)
        for t in model.forest.trees.indices { model.forest.trees[t].cover = [] }
        try Fixtures.publish(model, into: repo)
        let (status, out, err) = try Fixtures.runGrove(["evaluate", "--repo", repo.path, "--name", "german_credit",
                                                        "--data", Fixtures.germanCSV, "--json"])
        #expect(status == 0, "\(err)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object["rows"] as? Int == 1000 && object["importance"] == nil)
        #expect(err.contains("no importance") && err.contains("cover"), "\(err)")
    }

    @Test func auditRecordsCarryTheReasonsReturned() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var returned: [String] = []
        do {
            let s = try TestServer(configure: { $0.auditDirectory = dir }) { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
            let c = try RawClient(port: s.port)
            let e = try c.call(Request(id: 1, call: .explain(ExplainRequest(model: ExplainTests.german, records: [Fixtures.germanRecord(2)], topK: 2))))
            guard case let .explain(x)? = e.result else { Issue.record("\(e.status)"); return }
            returned += x.rows[0].reasons.map(\.column)
            let p = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ExplainTests.german, records: [Fixtures.germanRecord(5)], reasons: 1))))
            guard case let .predict(q)? = p.result else { Issue.record("\(p.status)"); return }
            returned += q.reasons[0].map(\.column)
            s.server.stop()
            s.server.wait()
        }
        #expect(AuditChain.verify(dir: dir).records == 2)
        let text = try AuditChain.files(in: dir).map { try String(contentsOf: $0, encoding: .utf8) }.joined()
        #expect(!returned.isEmpty)
        for column in returned { #expect(text.contains("{\"column\":\"\(column)\",\"code\":\"\",\"contribution\":")) }
        #expect(text.components(separatedBy: "\"reasons\":[[").count == 3)
    }
}
