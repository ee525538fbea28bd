// ModelKindsEndToEndTests: regression and multiclass models trained, published, served and called
// with the Swift client; their answers equal the offline forest bit for bit, on both the hot
// (dense) path and the ordinary (records) path, and the hot path's bytes equal the ordinary encoding.

import Foundation
import GroveClient
import GroveForest
import GroveServer
import GroveWire
import Testing

@Suite struct ModelKindsEndToEndTests {
    /// German credit's credit_amount as a regression target.
    static func regressionModel() throws -> TrainedModel {
        var p = TrainingParameters(task: .regression)
        p.trees = 6
        return try ModelTrainer.train(table: Fixtures.germanTable, target: "credit_amount", task: .regression,
                                      positive: nil, parameters: p, name: "amount", producer: "test")
    }

    /// German credit's housing (for free, own, rent) as a three-class target.
    static func multiclassModel() throws -> TrainedModel {
        var p = TrainingParameters(task: .classification)
        p.trees = 6
        return try ModelTrainer.train(table: Fixtures.germanTable, target: "housing", task: .classification,
                                      positive: nil, parameters: p, name: "housing", producer: "test")
    }

    static func record(_ i: Int, excluding target: String) -> RawRecord {
        RawRecord(row: i, of: Fixtures.germanTable, excluding: target)
    }

    @Test func aRegressionModelIsServedEndToEnd() throws {
        let model = try Self.regressionModel()
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let info = try client.modelInfo(ModelSelector(name: "amount"))
        #expect(info.task == .regression && info.classes.isEmpty && info.target == "credit_amount")
        let rows = [0, 5, 17]
        let records = rows.map { Self.record($0, excluding: "credit_amount") }
        let compiled = try CompiledForest(forest: model.forest)
        let dense = try records.flatMap { try model.preprocessing.encode(record: $0.recordFields()) }
        let offline = try compiled.predict(matrix: try FeatureMatrix(rowCount: rows.count, featureCount: model.forest.numFeatures, values: dense))
        let byRecords = try client.predict(ModelSelector(name: "amount"), records: records)
        let byDense = try client.predict(ModelSelector(name: "amount", version: 1), dense: dense)
        for answer in [byRecords, byDense] {
            #expect(answer.rows == 3 && answer.numClasses == 0 && answer.probabilities.isEmpty && answer.classIndex.isEmpty)
            #expect(answer.values.map(\.bitPattern) == offline.map(\.bitPattern))
            #expect(answer.notes.isEmpty)
        }
        #expect(Set(offline).count > 1, "a constant model would not tell rows apart")
    }

    @Test func aMulticlassModelIsServedEndToEnd() throws {
        let model = try Self.multiclassModel()
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let info = try client.modelInfo(ModelSelector(name: "housing"))
        #expect(info.task == .classification && info.classes == ["for free", "own", "rent"])
        let rows = Array(0..<30)
        let records = rows.map { Self.record($0, excluding: "housing") }
        let compiled = try CompiledForest(forest: model.forest)
        let dense = try records.flatMap { try model.preprocessing.encode(record: $0.recordFields()) }
        let offline = try compiled.predict(matrix: try FeatureMatrix(rowCount: rows.count, featureCount: model.forest.numFeatures, values: dense))
        let byRecords = try client.predict(ModelSelector(name: "housing"), records: records)
        let byDense = try client.predict(ModelSelector(name: "housing"), dense: dense)
        for answer in [byRecords, byDense] {
            #expect(answer.rows == 30 && answer.numClasses == 3 && answer.values.isEmpty)
            #expect(answer.probabilities.map(\.bitPattern) == offline.map(\.bitPattern))
            var argmax: [UInt32] = []
            for r in 0..<30 {
                let row = Array(offline[(r * 3)..<(r * 3 + 3)])
                argmax.append(UInt32(row.firstIndex(of: row.max()!)!))
            }
            #expect(answer.classIndex == argmax)
        }
        #expect(Set(byRecords.classIndex).count > 1, "every row got the same class: nothing is checked")
    }

    /// The allocation-free dense path packs regression values and three-class probabilities
    /// into exactly the bytes the ordinary Response encoding would.
    @Test func hotPathBytesEqualTheOrdinaryEncodingForRegressionAndMulticlass() throws {
        let regression = try Self.regressionModel()
        let multiclass = try Self.multiclassModel()
        let s = try TestServer { repo in
            try Fixtures.publish(regression, into: repo)
            try Fixtures.publish(multiclass, into: repo)
        }
        let c = try RawClient(port: s.port)
        for (model, target) in [(regression, "credit_amount"), (multiclass, "housing")] {
            let dense = try (0..<4).flatMap { try model.preprocessing.encode(record: Self.record($0, excluding: target).recordFields()) }
            try c.send(Request(id: 41, call: .predict(PredictRequest(model: ModelSelector(name: model.name), dense: dense))))
            let body = try c.readFrame()
            let decoded = try Response(decoding: body)
            #expect(decoded.status.code == .ok, "\(decoded.status)")
            #expect(decoded.encoded() == body, "\(model.name)")
            guard case let .predict(p)? = decoded.result else { Issue.record("no predict"); continue }
            #expect(p.rows == 4 && (p.values.count == 4 || p.probabilities.count == 12))
        }
    }
}
