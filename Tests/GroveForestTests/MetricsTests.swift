// Hand-checked metric values: AUC with ties, log loss, confusion matrix, regression.

import Foundation
import Testing
@testable import GroveForest

@Suite struct MetricsTests {
    @Test func aucByHandWithTies() {
        #expect(Metrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true]) == 0.75)
        // Pairs (pos, neg): (0.5, 0.5) tie = 1/2, the other three correct: 3.5 / 4.
        #expect(Metrics.rocAUC(scores: [0.5, 0.5, 0.2, 0.8], positives: [true, false, false, true]) == 0.875)
        #expect(Metrics.rocAUC(scores: [0.3, 0.3], positives: [true, false]) == 0.5)
        #expect(Metrics.rocAUC(scores: [0.3, 0.4], positives: [true, true]).isNaN)
        // Two-class probabilities: positive class 0 reverses the ranking.
        let probs = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4]
        #expect(Metrics.rocAUC(probabilities: probs, labels: [0, 1, 1], classCount: 2) == 1)
        #expect(Metrics.rocAUC(probabilities: probs, labels: [0, 1, 1], classCount: 2, positiveClass: 0) == 1)
    }

    /// The AUC from separately sorted positives and negatives is, bit for bit, the walk over
    /// all rows sorted together: ties within and across classes, -0 and 0, infinities, one
    /// class only, and NaN scores (which take the reference walk).
    @Test func aucBySortedClassesIsTheRowWalkBitForBit() {
        var rng = RandomGenerator(seed: 12)
        for trial in 0..<300 {
            let n = 1 + Int(rng.next() % (trial % 4 == 0 ? 6_000 : 400))   // some radix-sorted (1,024 or more per class)
            let distinct = trial % 3 == 0 ? 5 : 1000   // many ties, or few
            var scores = (0..<n).map { _ in Double(rng.next() % UInt64(distinct)) / Double(distinct) }
            let positives = (0..<n).map { _ in rng.next() % UInt64(2 + trial % 5) == 0 }
            if trial % 7 == 1 { scores[0] = -0.0; scores[n - 1] = 0.0 }
            if trial % 11 == 2 { scores[n / 2] = .infinity; scores[0] = -.infinity }
            if trial % 13 == 3 { scores[n - 1] = .nan }
            let fast = Metrics.rocAUC(scores: scores, positives: positives)
            let reference = Metrics.rocAUCSortingRows(scores: scores, positives: positives)
            #expect(fast.bitPattern == reference.bitPattern, "trial \(trial): \(fast) vs \(reference)")
        }
    }

    @Test func logLossAndBrier() {
        let probs = [0.2, 0.8, 0.7, 0.3]
        let ll = Metrics.logLoss(probabilities: probs, labels: [1, 0], classCount: 2)
        #expect(abs(ll - (-(log(0.8) + log(0.7)) / 2)) < 1e-12)
        #expect(abs(ll - 0.2899092476264711) < 1e-12)
        let clipped = Metrics.logLoss(probabilities: [1, 0], labels: [1], classCount: 2)
        #expect(abs(clipped - 34.538776394910684) < 1e-9)
        #expect(abs(Metrics.brier(probabilities: probs, labels: [1, 0], classCount: 2) - (0.04 + 0.09) / 2) < 1e-12)
    }

    @Test func confusionMatrixPrecisionRecall() {
        let cm = ConfusionMatrix(actual: [0, 0, 1, 1, 1], predicted: [0, 1, 1, 1, 0], classCount: 2)
        #expect(cm.counts == [[1, 1], [1, 2]])
        #expect(cm.accuracy == 0.6)
        #expect(abs(cm.precision(1) - 2.0 / 3) < 1e-12)
        #expect(abs(cm.recall(1) - 2.0 / 3) < 1e-12)
        #expect(abs(cm.f1(1) - 2.0 / 3) < 1e-12)
        #expect(cm.precision(0) == 0.5)
    }

    @Test func classificationMetricKeysInOrder() {
        let m = Metrics.classification(probabilities: [0.8, 0.2, 0.4, 0.6, 0.5, 0.5], labels: [0, 1, 1], classCount: 2)
        #expect(m.map(\.name) == ["auc", "accuracy", "log_loss", "precision", "recall", "f1", "brier"])
        // argmax tie (0.5, 0.5) goes to class 0.
        #expect(Metrics.predictedClasses(probabilities: [0.5, 0.5], classCount: 2) == [0])
        #expect(abs(m[1].value - 2.0 / 3) < 1e-12)
    }

    @Test func regressionMetrics() {
        let y = [3, -0.5, 2, 7], p = [2.5, 0.0, 2, 8]
        let m = Metrics.regression(predictions: p, targets: y)
        #expect(m.map(\.name) == ["rmse", "mae", "r2"])
        #expect(abs(m[0].value - 0.375.squareRoot()) < 1e-12)
        #expect(m[1].value == 0.5)
        #expect(abs(m[2].value - 0.9486081370449679) < 1e-12)
    }

    @Test func splitsAreDisjointAndStratified() {
        let labels: [Int32] = (0..<100).map { $0 < 30 ? 1 : 0 }
        let (train, test) = DataSplit.holdout(count: 100, testFraction: 0.2, seed: 1, stratifyBy: labels)
        #expect(train.count == 80 && test.count == 20)
        #expect(Set(train).isDisjoint(with: test))
        #expect(test.filter { labels[$0] == 1 }.count == 6)
        let folds = DataSplit.kFold(count: 10, folds: 3, seed: 2)
        #expect(folds.count == 3)
        #expect(folds.flatMap(\.test).sorted() == Array(0..<10))
    }
}
