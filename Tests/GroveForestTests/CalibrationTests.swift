// Calibration: Platt and isotonic fits by hand and on known curves, out-of-bag fitting only,
// the same calibrated numbers from training and evaluation, and OOB-driven tuning.

import Foundation
import Testing
@testable import GroveForest

@Suite struct CalibrationTests {
    /// scores [0.1, 0.2, 0.3, 0.4], outcomes [0, 1, 0, 1]: 0.2 and 0.3 violate the order and
    /// pool to 0.5, so the knots are (0.1, 0), (0.2, 0.5), (0.3, 0.5), (0.4, 1); outputs are
    /// kept in [1/10, 9/10] (floor 1 / (2 (n + 1)) with n = 4).
    @Test func isotonicByHand() throws {
        let c = try ProbabilityCalibration.fit(.isotonic, scores: [0.3, 0.1, 0.4, 0.2], positives: [false, false, true, true])
        #expect(c.knotsX == [0.1, 0.2, 0.3, 0.4])
        #expect(c.knotsY == [0, 0.5, 0.5, 1])
        #expect(c.floor == 0.1)
        #expect(c.apply(0.25) == 0.5)
        #expect(abs(c.apply(0.15) - 0.25) < 1e-12)
        #expect(c.apply(0) == 0.1)
        #expect(c.apply(1) == 0.9)
    }

    /// Outcomes drawn with P(y) = 1 / (1 + exp(-4 p + 2)): Platt recovers a = -4, b = 2.
    @Test func plattRecoversAKnownCurve() throws {
        var rng = RandomGenerator(seed: 3)
        var scores: [Double] = [], positives: [Bool] = []
        for _ in 0..<20_000 {
            let p = rng.unit()
            scores.append(p)
            positives.append(rng.unit() < 1 / (1 + exp(-4 * p + 2)))
        }
        let c = try ProbabilityCalibration.fit(.platt, scores: scores, positives: positives)
        #expect(abs(c.plattA - -4) < 0.3, "a = \(c.plattA)")
        #expect(abs(c.plattB - 2) < 0.2, "b = \(c.plattB)")
        let iso = try ProbabilityCalibration.fit(.isotonic, scores: scores, positives: positives)
        for (m, cal) in [("platt", c), ("isotonic", iso)] {
            var last = 0.0
            for i in 0...1000 {
                let q = cal.apply(Double(i) / 1000)
                #expect(q >= last, "\(m) is not monotone at \(i)")
                last = q
            }
        }
        #expect(abs(iso.apply(0.5) - 0.5) < 0.05)
    }

    @Test func oneClassCannotBeCalibrated() {
        #expect(throws: TrainingError.self) {
            try ProbabilityCalibration.fit(.platt, scores: [0.1, 0.2], positives: [false, false])
        }
    }

    static func noisyTable(rows: Int, seed: UInt64) throws -> DataTable {
        var rng = RandomGenerator(seed: seed)
        var f0: [Double] = [], f1: [Double] = [], f2: [Double] = [], label: [String] = []
        for _ in 0..<rows {
            let a = rng.unit() * 2 - 1, b = rng.unit() * 2 - 1, c = rng.unit()
            f0.append(a); f1.append(b); f2.append(c)
            let p = 1 / (1 + exp(-(2 * a + b)))
            label.append(rng.unit() < p * 0.5 ? "bad" : "good")  // noisy and imbalanced
        }
        return try DataTable(columns: [.numeric("f0", f0), .numeric("f1", f1), .numeric("f2", f2),
                                       .categorical("label", label)])
    }

    /// The calibration stored in the model is exactly the one fitted on the out-of-bag
    /// predictions of the training rows (never the held-out rows), and the held-out
    /// metrics recorded at training equal `evaluate`'s on the same rows, calibration applied.
    @Test func calibrationIsFittedOnOutOfBagTrainingRowsOnly() throws {
        let table = try Self.noisyTable(rows: 1200, seed: 5)
        var p = TestSupport.smallParameters(task: .classification, trees: 30)
        p.testFraction = 0.25
        p.minSamplesLeaf = 1
        p.calibration = .isotonic
        let model = try ModelTrainer.train(table: table, target: "label", task: .classification, positive: "bad",
                                           parameters: p, name: "cal", createdUnixMicros: 1)
        try model.validate()
        #expect(model.calibration.method == .isotonic)
        #expect(model.outOfBagReliability.count == 10)

        let all = try Preprocessing.fit(table: table, target: "label", task: .classification, positive: "bad")
        guard case let .classes(labels, _) = try all.encodeTargets(table: table) else { Issue.record("not classes"); return }
        let (train, test) = DataSplit.holdout(count: table.rowCount, testFraction: 0.25, seed: p.seed, stratifyBy: labels)
        let prep = try Preprocessing.fit(table: table, target: "label", task: .classification, positive: "bad", rows: train)
        let fit = try ForestTrainer.fit(features: try prep.encode(table: table, rows: train),
                                        target: .classes(labels: train.map { labels[$0] }, count: 2), parameters: p,
                                        positiveClass: prep.positiveClass)
        let (scores, positives) = fit.outOfBagScores(labels: train.map { labels[$0] }, positiveClass: 0)
        #expect(try ProbabilityCalibration.fit(.isotonic, scores: scores, positives: positives) == model.calibration)
        #expect(ReliabilityBin.bins(scores: scores, positives: positives) == model.outOfBagReliability)

        let testTable = table.selecting(rows: test)
        let again = try ModelTrainer.evaluate(model: model, table: testTable)
        for m in again { #expect(model.metric(named: m.name) == m.value, "\(m.name)") }

        // Leaves of one row are overconfident; out-of-bag isotonic calibration repairs the log loss.
        var raw = model
        raw.calibration = .identity
        let uncalibrated = try ModelTrainer.evaluate(model: raw, table: testTable)
        let before = uncalibrated.first { $0.name == "log_loss" }!.value
        let after = again.first { $0.name == "log_loss" }!.value
        #expect(after < before - 0.02, "log loss \(before) -> \(after)")
    }

    /// `grove cv --calibrate` calibrates inside every fold (on that fold's out-of-bag rows).
    @Test func crossValidationCalibratesEachFold() throws {
        let table = try Self.noisyTable(rows: 900, seed: 4)
        var p = TestSupport.smallParameters(task: .classification, trees: 20)
        p.minSamplesLeaf = 1
        let raw = try ModelTrainer.crossValidate(table: table, target: "label", task: .classification, positive: "bad",
                                                 parameters: p, folds: 3)
        p.calibration = .platt
        let calibrated = try ModelTrainer.crossValidate(table: table, target: "label", task: .classification,
                                                        positive: "bad", parameters: p, folds: 3)
        let before = raw.first { $0.name == "log_loss" }!.value, after = calibrated.first { $0.name == "log_loss" }!.value
        #expect(after < before - 0.02, "cross-validated log loss \(before) -> \(after)")
        #expect(raw.first { $0.name == "auc" }!.value == calibrated.first { $0.name == "auc" }!.value)  // Platt keeps the order
    }

    @Test func calibrationNeedsTwoClassesAndBootstrap() throws {
        var p = TestSupport.smallParameters(task: .classification)
        p.calibration = .platt
        p.bootstrap = false
        #expect(throws: TrainingError.self) { try p.validate(for: .classification) }
        var r = TestSupport.smallParameters(task: .regression)
        r.calibration = .platt
        #expect(throws: TrainingError.self) { try r.validate(for: .regression) }
    }

    /// --tune keeps the candidate with the lowest out-of-bag log loss, and its forest as is.
    @Test func tuningKeepsTheCandidateWithTheLowestOutOfBagLogLoss() throws {
        let table = try Self.noisyTable(rows: 900, seed: 9)
        var p = TestSupport.smallParameters(task: .classification, trees: 20)
        p.testFraction = 0
        p.tune = true
        let model = try ModelTrainer.train(table: table, target: "label", task: .classification, positive: "bad",
                                           parameters: p, name: "tuned", createdUnixMicros: 1)
        #expect(model.params.tune)
        let prep = model.preprocessing
        let x = try prep.encode(table: table)
        let y = try prep.encodeTargets(table: table)
        var losses: [Double] = []
        var forests: [Forest] = []
        for leaf in ModelTrainer.tuningCandidates {
            var q = p
            q.tune = false
            q.minSamplesLeaf = leaf
            let fit = try ForestTrainer.fit(features: x, target: y, parameters: q, positiveClass: prep.positiveClass)
            losses.append(ModelTrainer.outOfBagLoss(fit, target: y))
            forests.append(fit.forest)
        }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(Set(losses).count == losses.count, "candidates tie: the test cannot tell them apart")
        #expect(model.params.minSamplesLeaf == ModelTrainer.tuningCandidates[best])
        #expect(model.forest == forests[best])
        #expect(abs((model.metric(named: "oob_log_loss") ?? 0) - losses[best]) < 1e-9)
    }
}
