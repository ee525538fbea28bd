// Shared helpers for the GroveForest tests: data paths and small synthetic data sets.

import Foundation
@testable import GroveForest

enum TestSupport {
    /// data/splits inside the repository (the public 80/20 German credit split, see data/README.md).
    static var splitsDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // GroveForestTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("data/splits")
            .standardizedFileURL
    }

    /// Deterministic two-class data: `features` numeric columns, label depends on the
    /// first three plus noise.
    static func binaryData(rows: Int, features: Int, seed: UInt64) -> (FeatureMatrix, TrainingTarget) {
        var rng = RandomGenerator(seed: seed)
        var values: [Double] = []
        var labels: [Int32] = []
        for _ in 0..<rows {
            var row: [Double] = []
            for _ in 0..<features { row.append((rng.unit() * 200).rounded() / 100 - 1) }
            let score = row[0] + 0.5 * row[1] - 0.7 * row[2] + 0.3 * (rng.unit() - 0.5)
            labels.append(score > 0 ? 1 : 0)
            values.append(contentsOf: row)
        }
        // Shape is consistent by construction.
        let m = try! FeatureMatrix(rowCount: rows, featureCount: features, values: values)
        return (m, .classes(labels: labels, count: 2))
    }

    /// Deterministic regression data: y = 2 x0 - x1 + noise.
    static func regressionData(rows: Int, features: Int, seed: UInt64) -> (FeatureMatrix, TrainingTarget) {
        var rng = RandomGenerator(seed: seed)
        var values: [Double] = []
        var ys: [Double] = []
        for _ in 0..<rows {
            var row: [Double] = []
            for _ in 0..<features { row.append(rng.unit() * 4 - 2) }
            ys.append(2 * row[0] - row[1] + 0.1 * rng.unit())
            values.append(contentsOf: row)
        }
        let m = try! FeatureMatrix(rowCount: rows, featureCount: features, values: values)
        return (m, .values(ys))
    }

    /// Small, fast parameters for tests.
    static func smallParameters(task: ModelTask, trees: Int = 10) -> TrainingParameters {
        var p = TrainingParameters(task: task)
        p.trees = trees
        p.seed = 7
        return p
    }
}
