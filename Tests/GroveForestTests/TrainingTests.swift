// Training: a hand-computed gini split, determinism across threads, accuracy on real data.

import Foundation
import Testing
@testable import GroveForest

@Suite struct TrainingTests {
    /// x0 = 1...6, y = 0 0 0 1 1 0 (x1 constant). Weighted gini of each cut:
    /// 1.5 -> 0.400, 2.5 -> 0.333, 3.5 -> 0.222, 4.5 -> 0.417, 5.5 -> 0.400: best is x0 <= 3.5,
    /// left {0,0,0} = [1, 0], right {1,1,0} = [1/3, 2/3].
    @Test func bestGiniSplitByHand() throws {
        let x = try FeatureMatrix(rows: [[1, 5], [2, 5], [3, 5], [4, 5], [5, 5], [6, 5]])
        var p = TrainingParameters(task: .classification)
        p.trees = 1
        p.bootstrap = false
        p.maxDepth = 1
        p.minSamplesLeaf = 1
        p.maxFeatures = .all
        p.criterion = .gini
        let forest = try ForestTrainer.train(features: x, target: .classes(labels: [0, 0, 0, 1, 1, 0], count: 2), parameters: p)
        let t = forest.trees[0]
        #expect(t.nodeCount == 3)
        #expect(t.feature[0] == 0)
        #expect(t.threshold[0] == 3.5)
        #expect(t.cover == [6, 3, 3])
        let left = Int(t.leafOffset[1]), right = Int(t.leafOffset[2])
        let leftValues: [Double] = Array(t.leafValues[left..<(left + 2)])
        let rightValues: [Double] = Array(t.leafValues[right..<(right + 2)])
        let third: Double = 1.0 / 3
        #expect(leftValues == [1, 0])
        #expect(rightValues == [third, 2 * third])
        #expect(forest.featureImportance == [1, 0])
        #expect(forest.oobScore.isNaN)
        // Entropy picks the same cut here; exact splits give the same threshold.
        p.criterion = .entropy
        p.splitMethod = .exact
        let e = try ForestTrainer.train(features: x, target: .classes(labels: [0, 0, 0, 1, 1, 0], count: 2), parameters: p)
        #expect(e.trees[0].threshold[0] == 3.5)
    }

    @Test func regressionSplitByHand() throws {
        // y = 1 1 1 5 5: the only sensible cut is x <= 3.5; leaves hold the means.
        let x = try FeatureMatrix(rows: [[1], [2], [3], [4], [5]])
        var p = TrainingParameters(task: .regression)
        p.trees = 1
        p.bootstrap = false
        p.minSamplesLeaf = 1
        let forest = try ForestTrainer.train(features: x, target: .values([1, 1, 1, 5, 5]), parameters: p)
        #expect(forest.trees[0].threshold[0] == 3.5)
        #expect(forest.predictReference(row: [0]) == [1])
        #expect(forest.predictReference(row: [10]) == [5])
    }

    @Test func identicalForestsForAnyThreadCount() throws {
        let (x, y) = TestSupport.binaryData(rows: 1500, features: 8, seed: 11)
        let p = TestSupport.smallParameters(task: .classification, trees: 12)
        let one = try ForestTrainer.train(features: x, target: y, parameters: p, threads: 1)
        let two = try ForestTrainer.train(features: x, target: y, parameters: p, threads: 2)
        let three = try ForestTrainer.train(features: x, target: y, parameters: p, threads: 3)
        #expect(one == two)
        #expect(one == three)
        #expect(one.oobScore > 0.8)
        var other = p
        other.seed = 8
        #expect(try ForestTrainer.train(features: x, target: y, parameters: other, threads: 2) != one)

        let (xr, yr) = TestSupport.regressionData(rows: 800, features: 4, seed: 5)
        let pr = TestSupport.smallParameters(task: .regression, trees: 8)
        let r1 = try ForestTrainer.train(features: xr, target: yr, parameters: pr, threads: 1)
        let r2 = try ForestTrainer.train(features: xr, target: yr, parameters: pr, threads: 2)
        #expect(r1 == r2)
        #expect(r1.oobScore > 0.9)
    }

    /// `treeBuilt` sees every tree once, as the forest holds it, on any thread count.
    @Test func eachTreeIsHandedOverOnceAsBuilt() throws {
        let (x, y) = TestSupport.binaryData(rows: 1200, features: 6, seed: 4)
        let p = TestSupport.smallParameters(task: .classification, trees: 11)
        for threads in [1, 2, 3] {
            let lock = NSLock()
            var seen: [Int: Tree] = [:]
            var repeats = 0
            let fit = try ForestTrainer.fit(features: x, target: y, parameters: p, threads: threads,
                                            treeBuilt: { i, tree in
                                                lock.lock(); if seen.updateValue(tree, forKey: i) != nil { repeats += 1 }; lock.unlock()
                                            })
            #expect(repeats == 0)
            #expect(seen.count == 11)
            for (i, t) in fit.forest.trees.enumerated() { #expect(seen[i] == t) }
        }
    }

    @Test func multiclassProbabilitiesAndProgress() throws {
        var rng = RandomGenerator(seed: 3)
        var rows: [[Double]] = []
        var labels: [Int32] = []
        for _ in 0..<600 {
            let a = rng.unit(), b = rng.unit()
            rows.append([a, b, rng.unit()])
            labels.append(a < 0.33 ? 0 : (b < 0.5 ? 1 : 2))
        }
        let x = try FeatureMatrix(rows: rows)
        let lock = NSLock()
        var seen: [Int] = []
        let forest = try ForestTrainer.train(features: x, target: .classes(labels: labels, count: 3),
                                             parameters: TestSupport.smallParameters(task: .classification, trees: 9),
                                             threads: 2) { done, total in
            lock.lock(); seen.append(done); lock.unlock()
            #expect(total == 9)
        }
        #expect(seen == Array(1...9))
        #expect(forest.numOutputs == 3)
        let pred = forest.predictReference(row: [0.1, 0.9, 0.5])
        #expect(abs(pred.reduce(0, +) - 1) < 1e-12)
        #expect(forest.oobScore > 0.85)  // multiclass OOB score = accuracy
        #expect(abs(forest.featureImportance.reduce(0, +) - 1) < 1e-9)
    }

    @Test func missingValuesInTrainingGoLeftConsistently() throws {
        // Feature 0 is NaN exactly for the positive rows: the tree must route NaN correctly.
        var rows: [[Double]] = []
        var labels: [Int32] = []
        for i in 0..<200 {
            let positive = i % 3 == 0
            rows.append([positive ? .nan : Double(i % 17), Double(i % 5)])
            labels.append(positive ? 1 : 0)
        }
        var p = TestSupport.smallParameters(task: .classification, trees: 5)
        p.maxFeatures = .all
        let forest = try ForestTrainer.train(features: try FeatureMatrix(rows: rows), target: .classes(labels: labels, count: 2),
                                             parameters: p)
        try forest.validate()
        #expect(forest.predictReference(row: [.nan, 1])[1] > 0.99)
        #expect(forest.predictReference(row: [4, 1])[1] < 0.01)
    }

    @Test func invalidInputsAreErrors() throws {
        let x = try FeatureMatrix(rows: [[1], [2]])
        #expect(throws: TrainingError.targetCountMismatch(rows: 2, targets: 1)) {
            try ForestTrainer.train(features: x, target: .classes(labels: [0], count: 2),
                                    parameters: TrainingParameters(task: .classification))
        }
        #expect(throws: TrainingError.badTarget(row: 1)) {
            try ForestTrainer.train(features: x, target: .classes(labels: [0, 2], count: 2),
                                    parameters: TrainingParameters(task: .classification))
        }
        #expect(throws: TrainingError.badTarget(row: 0)) {
            try ForestTrainer.train(features: x, target: .values([.nan, 1]), parameters: TrainingParameters(task: .regression))
        }
        var bad = TrainingParameters(task: .classification)
        bad.criterion = .squaredError
        #expect(throws: TrainingError.self) {
            try ForestTrainer.train(features: x, target: .classes(labels: [0, 1], count: 2), parameters: bad)
        }
        #expect(try MaxFeatures(parsing: "0.5") == .fraction(0.5))
        #expect(try MaxFeatures(parsing: "7") == .count(7))
        #expect(throws: MaxFeatures.ParseError.self) { try MaxFeatures(parsing: "many") }
        #expect(MaxFeatures.sqrt.resolve(total: 61) == 7)
        #expect(MaxFeatures.log2.resolve(total: 61) == 5)
    }

    /// Default parameters (100 trees) on the fixed German credit split reach the targets:
    /// AUC >= max(scikit-learn, ranger) - 0.005 and log loss <= ranger + 0.01.
    @Test func germanCreditHeldOutAUC() throws {
        let dir = TestSupport.splitsDirectory
        let trainPath = dir.appendingPathComponent("german_credit.train.csv").path
        let testPath = dir.appendingPathComponent("german_credit.test.csv").path
        // The split ships inside the repository (data/splits), so this test never has nothing to check.
        try #require(FileManager.default.fileExists(atPath: trainPath), "missing \(trainPath)")
        try #require(FileManager.default.fileExists(atPath: testPath), "missing \(testPath)")
        let train = try CSVReader.read(path: trainPath)
        let test = try CSVReader.read(path: testPath)
        let prep = try Preprocessing.fit(table: train, target: "creditability", task: .classification, positive: "bad")
        #expect(prep.featureCount == 61)
        // The targets are about the defaults, not one lucky or unlucky seed (one seed's AUC
        // on 200 test rows varies by about ±0.01): the mean over seeds 1-5.
        var aucs: [Double] = [], losses: [Double] = []
        for seed in UInt64(1)...5 {
            var p = TrainingParameters(task: .classification)
            p.seed = seed
            let forest = try ForestTrainer.train(features: try prep.encode(table: train), target: try prep.encodeTargets(table: train),
                                                 parameters: p, positiveClass: prep.positiveClass)
            let metrics = try ModelTrainer.evaluate(forest: forest, preprocessing: prep, features: try prep.encode(table: test),
                                                    target: try prep.encodeTargets(table: test))
            aucs.append(try #require(metrics.first { $0.name == "auc" }?.value))
            losses.append(try #require(metrics.first { $0.name == "log_loss" }?.value))
        }
        let auc = aucs.reduce(0, +) / 5, logLoss = losses.reduce(0, +) / 5
        print("german_credit held-out AUC \(aucs), mean \(auc); log loss mean \(logLoss)")
        #expect(auc >= 0.809)               // max(scikit-learn 0.8120, ranger 0.8139) - 0.005
        #expect(logLoss <= 0.4825 + 0.01)   // ranger's log loss + 0.01
    }

    @Test func modelPipelineRecordsMetrics() throws {
        var rows: [DataColumn] = []
        let (x, y) = TestSupport.binaryData(rows: 400, features: 3, seed: 21)
        for f in 0..<3 { rows.append(.numeric("f\(f)", (0..<400).map { x.values[$0 * 3 + f] })) }
        guard case let .classes(labels, _) = y else { return }
        rows.append(.categorical("label", labels.map { $0 == 1 ? "bad" : "good" }))
        let table = try DataTable(columns: rows)
        var p = TestSupport.smallParameters(task: .classification)
        p.testFraction = 0.25
        let model = try ModelTrainer.train(table: table, target: "label", task: .classification, positive: "bad",
                                           parameters: p, name: "toy", createdUnixMicros: 1)
        try model.validate()
        #expect(model.trainingRows == 300)
        #expect(model.metrics.map(\.name) == ["auc", "accuracy", "log_loss", "precision", "recall", "f1", "brier",
                                            "oob_log_loss", "oob_brier"])
        #expect((model.metric(named: "auc") ?? 0) > 0.85)
        #expect(model.preprocessing.classes == ["bad", "good"])
        #expect(model.preprocessing.positiveClass == 0)
        let again = try ModelTrainer.evaluate(model: model, table: table)
        #expect(again.count == 7)
        let cv = try ModelTrainer.crossValidate(table: table, target: "label", task: .classification, positive: "bad",
                                                parameters: p, folds: 3)
        #expect((cv.first?.value ?? 0) > 0.85)
    }
}

@Suite struct TrainingInputTests {
    @Test func infiniteFeaturesAreRefused() throws {
        let x = try FeatureMatrix(rows: [[1, 2], [3, -.infinity]])
        #expect(throws: TrainingError.nonFiniteFeature(row: 1, feature: 1)) {
            try ForestTrainer.train(features: x, target: .values([1, 2]), parameters: TrainingParameters(task: .regression))
        }
    }
}
