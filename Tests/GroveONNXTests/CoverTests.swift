// CoverTests: --cover-data counts node cover by the prediction walk, the model file keeps it with the
// import's source, and TreeSHAP then explains an imported boosted model on its margin (log-odds) scale.

import Foundation
import GroveForest
import GroveModelStore
@testable import GroveONNX
import Testing

@Suite struct CoverTests {
    static func xgboost() throws -> (model: TrainedModel, rows: [[Double]], ort: [Double]) {
        let fixture = try #require(try Fixture.all().first { $0.name == "xgboost_binary_nan" })
        let imported = try OnnxImporter.importModel(try fixture.bytes, options: .init(name: "xgb"))
        var model = imported.model
        model.source = imported.source
        let (_, table) = try fixture.table()
        let rows = table.map { $0.prefix(fixture.features).map { Double($0)! } }
        let ort = table.map { Double($0[fixture.features + 2 * fixture.outputs - 1])! }
        return (model, rows, ort)
    }

    @Test func coverCountsEveryRowAtEveryNodeItPasses() throws {
        let (model, rows, _) = try Self.xgboost()
        let matrix = try FeatureMatrix(rowCount: rows.count, featureCount: model.forest.numFeatures, values: rows.flatMap { $0 })
        let covered = try model.forest.withCover(counting: matrix)
        for t in covered.trees {
            #expect(t.cover[0] == Double(rows.count))
            for i in 0..<t.nodeCount where !t.isLeaf(i) {
                #expect(t.cover[i] == t.cover[Int(t.left[i])] + t.cover[Int(t.right[i])])
            }
        }
        // The leaves' counts are the rows each leaf receives in prediction.
        let t = covered.trees[3]
        var perLeaf = [Double](repeating: 0, count: t.nodeCount)
        for r in rows { perLeaf[t.leaf(for: r)] += 1 }
        for i in 0..<t.nodeCount where t.isLeaf(i) { #expect(perLeaf[i] == t.cover[i]) }
        #expect(throws: InferenceError.self) {
            _ = try model.forest.withCover(counting: try FeatureMatrix(rowCount: 0, featureCount: model.forest.numFeatures, values: []))
        }
    }

    @Test func explanationsAreOnTheMarginAndAddUp() throws {
        var (model, rows, ort) = try Self.xgboost()
        #expect(throws: ExplanationError.self) { _ = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest) }
        let matrix = try FeatureMatrix(rowCount: rows.count, featureCount: model.forest.numFeatures, values: rows.flatMap { $0 })
        model.forest = try model.forest.withCover(counting: matrix)
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let scratch = ExplainScratch(for: explainer.forest)
        for (r, row) in rows.enumerated().prefix(10) {
            let e = try row.withUnsafeBufferPointer { try explainer.explain(row: $0, output: 1, topK: 3, scratch: scratch) }
            // The margin: log-odds of onnxruntime's P(1) (float32, so within 1e-5 on this scale).
            #expect(abs(e.prediction - log(ort[r] / (1 - ort[r]))) < 1e-5, "row \(r)")
            #expect(abs(e.baseValue + e.columns.reduce(0, +) - e.prediction) < 1e-9, "row \(r)")
        }
    }

    @Test func theModelFileKeepsSourceAndCover() throws {
        var (model, rows, _) = try Self.xgboost()
        let matrix = try FeatureMatrix(rowCount: rows.count, featureCount: model.forest.numFeatures, values: rows.flatMap { $0 })
        model.forest = try model.forest.withCover(counting: matrix)
        model.source?.coverRows = UInt64(rows.count)
        model.version = 1
        let decoded = try ModelFileCodec.decode(ModelFileCodec.encode(model))
        // (Whole-model equality does not hold: the NaN fill values compare unequal.)
        #expect(decoded.forest == model.forest && decoded.source == model.source)
        #expect(decoded.preprocessing.featureNames == model.preprocessing.featureNames)
        #expect(decoded.preprocessing.columns.allSatisfy { $0.kind == .numeric && $0.fillValue.isNaN })
        #expect(decoded.source?.producerName == "OnnxMLTools" && decoded.source?.comparesAsFloat32 == true)
        let a = try CompiledForest(forest: model.forest), b = try CompiledForest(forest: decoded.forest)
        for row in rows { #expect(try a.predict(row: row) == b.predict(row: row)) }
    }
}
