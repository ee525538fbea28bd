// PredictTests: predictions over the socket equal the model's own, for dense rows, records and batches.

import Foundation
import GroveForest
import GroveModelStore
import GroveWire
import Testing

@Suite struct PredictTests {
    @Test func denseRecordsAndBatchesMatchTheOfflineForestBitForBit() throws {
        let model = try Fixtures.germanModel()
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port)
        let compiled = try CompiledForest(forest: model.forest)
        for i in [0, 1, 17, 999] {
            let record = Fixtures.germanRecord(i)
            let encoded = try model.preprocessing.encode(record: record.recordFields())
            let expected = try compiled.predict(row: encoded)

            let byRecord = try c.call(Request(id: 1, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [record]))))
            let byDense = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit", version: 1), dense: encoded))))
            for r in [byRecord, byDense] {
                #expect(r.status.code == .ok, "\(r.status)")
                guard case let .predict(p)? = r.result else { Issue.record("no predict result"); continue }
                #expect(p.model == "german_credit" && p.version == 1 && p.rows == 1 && p.numClasses == 2)
                #expect(p.probabilities.map(\.bitPattern) == expected.map(\.bitPattern))
                #expect(p.classIndex == [expected[1] > expected[0] ? 1 : 0])
            }
        }
        // A batch of 100 records in one request.
        let batch = (0..<100).map(Fixtures.germanRecord)
        let r = try c.call(Request(id: 3, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: batch))))
        guard case let .predict(p)? = r.result else { Issue.record("no batch result: \(r.status)"); return }
        #expect(p.rows == 100 && p.probabilities.count == 200)
        let x = try model.preprocessing.encode(table: Fixtures.germanTable, rows: Array(0..<100))
        let offline = try compiled.predict(matrix: x)
        #expect(p.probabilities.map(\.bitPattern) == offline.map(\.bitPattern))
    }

    /// A calibrated model answers with calibrated probabilities on every path (one dense row,
    /// dense batches, records), equal to `TrainedModel.predict` and unlike the raw forest.
    @Test func calibratedModelsServeCalibratedProbabilities() throws {
        var p = TrainingParameters(task: .classification)
        p.trees = 10
        p.calibration = .isotonic
        let model = try ModelTrainer.train(table: Fixtures.germanTable, target: "creditability", task: .classification,
                                           positive: "bad", parameters: p, name: "german_credit", producer: "test")
        #expect(model.calibration.method == .isotonic)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port)
        let m = ModelSelector(name: "german_credit")
        let x = try model.preprocessing.encode(table: Fixtures.germanTable, rows: Array(0..<20))
        let expected = try model.predict(features: x)
        let raw = try CompiledForest(forest: model.forest).predict(matrix: x)
        #expect(expected != raw)
        let one = try c.call(Request(id: 1, call: .predict(PredictRequest(model: m, dense: Array(x.values[0..<61])))))
        let dense = try c.call(Request(id: 2, call: .predict(PredictRequest(model: m, dense: x.values))))
        let records = try c.call(Request(id: 3, call: .predict(PredictRequest(model: m, records: (0..<20).map(Fixtures.germanRecord)))))
        guard case let .predict(p1)? = one.result, case let .predict(pd)? = dense.result, case let .predict(pr)? = records.result else {
            Issue.record("failed: \(one.status) \(dense.status) \(records.status)"); return
        }
        #expect(p1.probabilities == Array(expected[0..<2]))
        #expect(pd.probabilities == expected)
        #expect(pr.probabilities == expected)
        let info = try c.call(Request(id: 4, call: .modelInfo(m)))
        guard case let .modelInfo(i)? = info.result else { Issue.record("no info"); return }
        #expect(i.calibration == "isotonic")
    }

    @Test func wrongFeatureCountUnknownColumnAndUnknownVersionSayWhich() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        let m = ModelSelector(name: "german_credit")
        let wrongCount = try c.call(Request(id: 1, call: .predict(PredictRequest(model: m, dense: [1, 2, 3]))))
        #expect(wrongCount.status.code == .invalidArgument)
        #expect(wrongCount.status.message.contains("61 features"))
        let unknown = try c.call(Request(id: 2, call: .predict(PredictRequest(model: m, records: [RawRecord([RawField("salary", .number(1))])]))))
        #expect(unknown.status.code == .invalidArgument)
        #expect(unknown.status.message.contains("salary"))
        let noVersion = try c.call(Request(id: 3, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit", version: 9), dense: [1]))))
        #expect(noVersion.status.code == .notFound)
        #expect(noVersion.status.message.contains("version 9"))
        let noLabel = try c.call(Request(id: 4, call: .modelInfo(ModelSelector(name: "german_credit", label: "stable"))))
        #expect(noLabel.status.code == .notFound)
        #expect(noLabel.status.message.contains("stable"))
        // And the connection still works.
        #expect(try c.call(Request(id: 5, call: .health)).status.code == .ok)
    }

    @Test func nanInDenseRowsMeansMissingLikeARawRecord() throws {
        let model = try Fixtures.germanModel(trees: 5)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port)
        let m = ModelSelector(name: "german_credit")
        let dense = [Double](repeating: .nan, count: 61)
        let a = try c.call(Request(id: 1, call: .predict(PredictRequest(model: m, dense: dense))))
        let b = try c.call(Request(id: 2, call: .predict(PredictRequest(model: m, records: [RawRecord([])]))))
        guard case let .predict(pa)? = a.result, case let .predict(pb)? = b.result else { Issue.record("failed: \(a.status) \(b.status)"); return }
        #expect(pa.probabilities == pb.probabilities)
    }

    @Test func modelInfoDescribesTheSchema() throws {
        let model = try Fixtures.germanModel(trees: 3)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let r = try RawClient(port: s.port).call(Request(id: 1, call: .modelInfo(ModelSelector(name: "german_credit"))))
        guard case let .modelInfo(i)? = r.result else { Issue.record("no info: \(r.status)"); return }
        #expect(i.task == .classification && i.classes == ["bad", "good"] && i.positiveClass == 0)
        #expect(i.inputs.count == 20 && i.featureNames.count == 61 && i.trees == 3)
        #expect(i.inputs.first { $0.name == "housing" }?.categories == ["for free", "own", "rent"])
        #expect(i.sha256.count == 64)
        #expect(i.metrics.contains { $0.name == "auc" })
    }
}

@Suite struct HotPathTests {
    /// The allocation-free dense path must put exactly the bytes on the wire that the
    /// ordinary path's Response encoding would.
    @Test func densePathBytesEqualTheOrdinaryEncoding() throws {
        let model = try Fixtures.germanModel(trees: 4)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let c = try RawClient(port: s.port)
        let dense = try model.preprocessing.encode(table: Fixtures.germanTable, rows: [0, 1, 2]).values
        for labelsOnly in [false, true] {
            try c.send(Request(id: 77, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), dense: dense, labelsOnly: labelsOnly))))
            let body = try c.readFrame()
            let decoded = try Response(decoding: body)
            #expect(decoded.status.code == .ok)
            #expect(decoded.encoded() == body)
            guard case let .predict(p)? = decoded.result else { Issue.record("no predict"); continue }
            #expect(p.rows == 3 && p.classIndex.count == 3 && p.probabilities.count == (labelsOnly ? 0 : 6))
        }
    }
}
