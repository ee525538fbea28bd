// ROC and precision-recall curves, KS and the confusion counts at a threshold, from scores.

/// The ranking view of binary scores: ROC and precision-recall points (one per distinct
/// score, from the highest threshold down), the Kolmogorov-Smirnov statistic and the
/// counts at a threshold.
public struct BinaryCurves: Sendable, Equatable {
    /// (false positive rate, true positive rate), starting at (0, 0), ending at (1, 1).
    public var roc: [(Double, Double)]
    /// (recall, precision), starting at recall 0 with the first threshold's precision.
    public var precisionRecall: [(Double, Double)]
    /// max over thresholds of TPR - FPR (the two classes' score distributions' largest gap).
    public var ks: Double
    /// The score at which KS is reached (rows scoring at or above it are called positive).
    public var ksThreshold: Double
    /// Average precision: sum over thresholds of (recall step) x precision.
    public var averagePrecision: Double

    public init(scores: [Double], positives: [Bool]) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let nPos = Double(positives.filter { $0 }.count), nNeg = Double(positives.count) - nPos
        var tp = 0.0, fp = 0.0, i = 0
        var roc: [(Double, Double)] = [(0, 0)], pr: [(Double, Double)] = []
        var ks = 0.0, ksAt = scores.isEmpty ? 0 : scores[order[0]], ap = 0.0, lastRecall = 0.0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if positives[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            let tpr = nPos > 0 ? tp / nPos : 0, fpr = nNeg > 0 ? fp / nNeg : 0
            roc.append((fpr, tpr))
            let precision = tp / (tp + fp)
            if pr.isEmpty { pr.append((0, precision)) }
            pr.append((tpr, precision))
            ap += (tpr - lastRecall) * precision
            lastRecall = tpr
            if tpr - fpr > ks { ks = tpr - fpr; ksAt = s }
        }
        self.roc = roc
        self.precisionRecall = pr
        self.ks = ks
        self.ksThreshold = ksAt
        self.averagePrecision = ap
    }

    public static func == (a: BinaryCurves, b: BinaryCurves) -> Bool {
        a.roc.elementsEqual(b.roc, by: ==) && a.precisionRecall.elementsEqual(b.precisionRecall, by: ==)
            && a.ks == b.ks && a.ksThreshold == b.ksThreshold && a.averagePrecision == b.averagePrecision
    }

    /// At most `count` points of `curve` (evenly by index, ends kept), for drawing.
    public static func thinned(_ curve: [(Double, Double)], to count: Int) -> [(Double, Double)] {
        guard curve.count > count, count >= 2 else { return curve }
        return (0..<count).map { curve[$0 * (curve.count - 1) / (count - 1)] }
    }
}
