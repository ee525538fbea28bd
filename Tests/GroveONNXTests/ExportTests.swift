// ExportTests: a Grove forest exported to ONNX reads back (through the importer, which follows
// onnxruntime's semantics) with Grove's answers, strict comparisons and missing directions included.

import Foundation
import GroveForest
@testable import GroveONNX
import Testing

@Suite struct ExportTests {
    /// A trained German-credit forest (one-hot features, so equal values sit on thresholds).
    static func trained(task: ModelTask) throws -> TrainedModel {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let table = try CSVReader.read(path: root.appendingPathComponent("data/german_credit.csv").path)
        var p = TrainingParameters(task: task)
        p.trees = 7
        p.maxDepth = 8
        return try ModelTrainer.train(table: table, target: task == .classification ? "creditability" : "credit_amount",
                                      task: task, positive: task == .classification ? "bad" : nil, parameters: p,
                                      name: "m", producer: "test")
    }

    /// A hand-made tree using every flag: strict '<' and missing-right.
    static func flagged() throws -> TrainedModel {
        let tree = Tree(feature: [0, 0, 1, 0, 0], threshold: [0.5, 0, 2, 0, 0], left: [1, 0, 3, 0, 0], right: [2, 0, 4, 0, 0],
                        flags: [TreeNodeFlags.missingRight.rawValue, 0, TreeNodeFlags.strictLess.rawValue, 0, 0],
                        leafValues: [1, 0, 0.25, 0.75, 0, 1], leafOffset: [0, 0, 0, 2, 4])
        let forest = Forest(numFeatures: 2, numOutputs: 2, trees: [tree, tree])
        let p = try Preprocessing(target: "y", columns: [InputColumn(name: "a", kind: .numeric), InputColumn(name: "b", kind: .numeric)],
                                  classes: ["no", "yes"], positiveClass: 1)
        return TrainedModel(name: "flags", version: 1, createdUnixMicros: 0, task: .classification,
                            params: TrainingParameters(task: .classification), metrics: [], trainingDataSHA256: [],
                            preprocessing: p, forest: forest, producer: "test", trainingRows: 0)
    }

    static func roundTrip(_ model: TrainedModel, rows: [[Double]]) throws -> Double {
        let bytes = OnnxExporter.export(model, producerVersion: "test")
        let back = try OnnxImporter.importModel(bytes, options: .init(name: "back")).model
        // Names travel in the input's feature_names metadata, unless one holds a comma (German credit's categories do).
        let names = model.preprocessing.featureNames
        #expect(back.preprocessing.featureNames == (names.contains { $0.contains(",") } ? names.indices.map { "f\($0)" } : names))
        #expect(back.preprocessing.classes == model.preprocessing.classes)
        #expect(back.source == nil)
        let a = try CompiledForest(forest: model.forest), b = try CompiledForest(forest: back.forest)
        var worst = 0.0
        for row in rows {
            let x = try a.predict(row: row), y = try b.predict(row: row)
            for j in x.indices { worst = max(worst, abs(x[j] - y[j]) / max(1, abs(x[j]))) }
        }
        return worst
    }

    @Test(arguments: [ModelTask.classification, .regression])
    func aTrainedForestReadsBackWithItsAnswers(task: ModelTask) throws {
        let model = try Self.trained(task: task)
        let f = model.forest.numFeatures
        // Rows on the thresholds themselves, their neighbours, and NaN.
        var rows: [[Double]] = []
        for t in model.forest.trees.prefix(2) {
            for i in 0..<t.nodeCount where !t.isLeaf(i) {
                for v in [t.threshold[i], t.threshold[i].nextUp, t.threshold[i].nextDown, .nan] {
                    var r = [Double](repeating: 0.5, count: f)
                    r[Int(t.feature[i])] = v
                    rows.append(r)
                }
            }
        }
        #expect(try Self.roundTrip(model, rows: rows) <= 1e-12)
    }

    @Test func strictComparisonsAndMissingDirectionsSurvive() throws {
        let rows: [[Double]] = [[0.5, 2], [0.5, 1.9], [.nan, 2], [.nan, .nan], [0.6, .nan], [0.4, 3]]
        #expect(try Self.roundTrip(try Self.flagged(), rows: rows) == 0)
    }
}
