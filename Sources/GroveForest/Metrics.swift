// Classification and regression metrics (scikit-learn definitions).

import Foundation

/// Evaluation metrics. Probabilities are row-major (rows x classCount); labels are class
/// indices. Functions return NaN when a metric is undefined (e.g. AUC with one class).
public enum Metrics {
    /// Binary ROC AUC: probability that a random positive scores above a random negative,
    /// ties counting one half (Mann–Whitney with average ranks).
    ///
    /// The positives' and the negatives' scores are sorted apart (plain `[Double]`s, by the
    /// binner's radix sort, not row indices through a closure: faster on the out-of-bag scores of
    /// every training row) and walked together by groups of equal scores, ascending; each positive
    /// adds its group's average rank in that order, as a walk over all rows sorted together
    /// would: the same additions, so the same bits. Scores with a NaN (no order) take that walk.
    public static func rocAUC(scores: [Double], positives: [Bool]) -> Double {
        let n = min(scores.count, positives.count)
        var pos: [Double] = [], neg: [Double] = []
        pos.reserveCapacity(n)
        neg.reserveCapacity(n)
        for i in 0..<n {
            if scores[i].isNaN { return rocAUCSortingRows(scores: scores, positives: positives) }
            if positives[i] { pos.append(scores[i]) } else { neg.append(scores[i]) }
        }
        if pos.isEmpty || neg.isEmpty { return .nan }
        // The binner's radix sort: the order of `sort()` (-0 and +0, which the walk groups
        // as equal, may swap).
        FeatureBinner.sortValues(&pos)
        FeatureBinner.sortValues(&neg)
        var rankSumPos = 0.0
        var before = 0, a = 0, b = 0
        while a < pos.count || b < neg.count {
            let v = a == pos.count ? neg[b] : b == neg.count ? pos[a] : Swift.min(pos[a], neg[b])
            let a0 = a, b0 = b
            while a < pos.count && pos[a] == v { a += 1 }
            while b < neg.count && neg[b] == v { b += 1 }
            let last = before + (a - a0) + (b - b0) - 1
            let avgRank = Double(before + last + 2) / 2
            for _ in a0..<a { rankSumPos += avgRank }
            before = last + 1
        }
        let nPos = pos.count, nNeg = neg.count
        return (rankSumPos - Double(nPos) * Double(nPos + 1) / 2) / (Double(nPos) * Double(nNeg))
    }

    /// `rocAUC` over the row indices sorted by score (the reference walk; any scores).
    static func rocAUCSortingRows(scores: [Double], positives: [Bool]) -> Double {
        let n = min(scores.count, positives.count)
        let order = (0..<n).sorted { scores[$0] < scores[$1] }
        var rankSumPos = 0.0
        var nPos = 0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let avgRank = Double(i + j + 2) / 2
            for t in i...j where positives[order[t]] { rankSumPos += avgRank; nPos += 1 }
            i = j + 1
        }
        let nNeg = n - nPos
        if nPos == 0 || nNeg == 0 { return .nan }
        return (rankSumPos - Double(nPos) * Double(nPos + 1) / 2) / (Double(nPos) * Double(nNeg))
    }

    /// ROC AUC: binary (class `positiveClass`, default 1) or, with more classes, the
    /// macro average of one-vs-rest AUCs over classes present (scikit-learn "ovr").
    public static func rocAUC(probabilities: [Double], labels: [Int], classCount: Int, positiveClass: Int? = nil) -> Double {
        let n = labels.count
        if classCount == 2 {
            let pos = positiveClass ?? 1
            return rocAUC(scores: (0..<n).map { probabilities[$0 * 2 + pos] }, positives: labels.map { $0 == pos })
        }
        var sum = 0.0
        var used = 0
        for c in 0..<classCount {
            let a = rocAUC(scores: (0..<n).map { probabilities[$0 * classCount + c] }, positives: labels.map { $0 == c })
            if !a.isNaN { sum += a; used += 1 }
        }
        return used == 0 ? .nan : sum / Double(used)
    }

    /// Most probable class of each row (ties go to the lower index).
    public static func predictedClasses(probabilities: [Double], classCount: Int) -> [Int] {
        let n = classCount == 0 ? 0 : probabilities.count / classCount
        return (0..<n).map { r in
            var best = 0
            for c in 1..<max(classCount, 1) where probabilities[r * classCount + c] > probabilities[r * classCount + best] {
                best = c
            }
            return best
        }
    }

    /// Fraction of rows whose most probable class is the label.
    public static func accuracy(probabilities: [Double], labels: [Int], classCount: Int) -> Double {
        ConfusionMatrix(actual: labels, predicted: predictedClasses(probabilities: probabilities, classCount: classCount),
                        classCount: classCount).accuracy
    }

    /// Mean negative log-probability of the true class, probabilities clipped to
    /// [eps, 1 - eps] with eps = 1e-15.
    public static func logLoss(probabilities: [Double], labels: [Int], classCount: Int) -> Double {
        if labels.isEmpty { return .nan }
        let eps = 1e-15
        var sum = 0.0
        for (r, y) in labels.enumerated() {
            let p = min(max(probabilities[r * classCount + y], eps), 1 - eps)
            sum -= Foundation.log(p)
        }
        return sum / Double(labels.count)
    }

    /// Brier score: binary, mean (p(positive) - y)^2; multiclass, mean over rows of
    /// sum over classes (p_c - [y == c])^2.
    public static func brier(probabilities: [Double], labels: [Int], classCount: Int, positiveClass: Int? = nil) -> Double {
        if labels.isEmpty { return .nan }
        var sum = 0.0
        if classCount == 2 {
            let pos = positiveClass ?? 1
            for (r, y) in labels.enumerated() {
                let d = probabilities[r * 2 + pos] - (y == pos ? 1 : 0)
                sum += d * d
            }
        } else {
            for (r, y) in labels.enumerated() {
                for c in 0..<classCount {
                    let d = probabilities[r * classCount + c] - (y == c ? 1 : 0)
                    sum += d * d
                }
            }
        }
        return sum / Double(labels.count)
    }

    /// Root mean squared error.
    public static func rmse(predictions: [Double], targets: [Double]) -> Double {
        if targets.isEmpty { return .nan }
        var s = 0.0
        for (p, t) in zip(predictions, targets) { s += (p - t) * (p - t) }
        return (s / Double(targets.count)).squareRoot()
    }

    /// Mean absolute error.
    public static func mae(predictions: [Double], targets: [Double]) -> Double {
        if targets.isEmpty { return .nan }
        var s = 0.0
        for (p, t) in zip(predictions, targets) { s += abs(p - t) }
        return s / Double(targets.count)
    }

    /// Coefficient of determination 1 - SS_res / SS_tot (NaN when the targets are constant).
    public static func r2(predictions: [Double], targets: [Double]) -> Double {
        if targets.isEmpty { return .nan }
        let mean = targets.reduce(0, +) / Double(targets.count)
        var res = 0.0, tot = 0.0
        for (p, t) in zip(predictions, targets) {
            res += (t - p) * (t - p)
            tot += (t - mean) * (t - mean)
        }
        return tot == 0 ? .nan : 1 - res / tot
    }

    /// Classification metrics in this order: auc, accuracy, log_loss, precision, recall,
    /// f1, brier. Precision/recall/F1 are for `positiveClass` (default class 1 when
    /// binary); with more classes and no positive class they are macro averages.
    public static func classification(probabilities: [Double], labels: [Int], classCount: Int,
                                      positiveClass: Int? = nil) -> [Metric] {
        let predicted = predictedClasses(probabilities: probabilities, classCount: classCount)
        let cm = ConfusionMatrix(actual: labels, predicted: predicted, classCount: classCount)
        let precision: Double, recall: Double, f1: Double
        if let pos = positiveClass ?? (classCount == 2 ? 1 : nil) {
            precision = cm.precision(pos); recall = cm.recall(pos); f1 = cm.f1(pos)
        } else {
            let c = Double(max(classCount, 1))
            precision = (0..<classCount).reduce(0) { $0 + cm.precision($1) } / c
            recall = (0..<classCount).reduce(0) { $0 + cm.recall($1) } / c
            f1 = (0..<classCount).reduce(0) { $0 + cm.f1($1) } / c
        }
        return [
            Metric(name: "auc", value: rocAUC(probabilities: probabilities, labels: labels, classCount: classCount,
                                              positiveClass: positiveClass)),
            Metric(name: "accuracy", value: cm.accuracy),
            Metric(name: "log_loss", value: logLoss(probabilities: probabilities, labels: labels, classCount: classCount)),
            Metric(name: "precision", value: precision),
            Metric(name: "recall", value: recall),
            Metric(name: "f1", value: f1),
            Metric(name: "brier", value: brier(probabilities: probabilities, labels: labels, classCount: classCount,
                                               positiveClass: positiveClass)),
        ]
    }

    /// Regression metrics in this order: rmse, mae, r2.
    public static func regression(predictions: [Double], targets: [Double]) -> [Metric] {
        [
            Metric(name: "rmse", value: rmse(predictions: predictions, targets: targets)),
            Metric(name: "mae", value: mae(predictions: predictions, targets: targets)),
            Metric(name: "r2", value: r2(predictions: predictions, targets: targets)),
        ]
    }
}
