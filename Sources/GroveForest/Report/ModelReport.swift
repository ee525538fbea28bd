// The numbers of `grove report`: a two-class model scored on a labelled file.

import Foundation

/// Everything the model report shows, computed once (the HTML and `--json` both render it).
/// The metrics are `ModelTrainer.evaluate(model:table:)`'s, so they equal `grove evaluate`'s.
public struct ModelReport: Sendable {
    /// One input column's importance: the forest's impurity importance summed over the
    /// column's encoded features, the AUC lost when the column is shuffled across rows, and
    /// the mean |SHAP value| of the column over the rows (NaN when the trees carry no cover).
    public struct Importance: Sendable, Equatable {
        public var column: String
        public var impurity: Double
        public var permutation: Double
        public var meanAbsSHAP: Double

        public static func == (a: Importance, b: Importance) -> Bool {
            func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
            return a.column == b.column && same(a.impurity, b.impurity) && same(a.permutation, b.permutation)
                && same(a.meanAbsSHAP, b.meanAbsSHAP)
        }
    }

    /// Rows explained for mean |SHAP| (a seeded sample when the file has more).
    public static let maxExplainedRows = 2000

    /// Counts at `threshold` (a row is called positive when its score is at least it).
    public struct Confusion: Sendable, Equatable {
        public var truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0
        public var accuracy: Double {
            Double(truePositives + trueNegatives) / Double(max(1, truePositives + falsePositives + trueNegatives + falseNegatives))
        }
    }

    public var positiveClass: String
    public var negativeClass: String
    public var rows: Int
    public var positives: Int
    public var metrics: [Metric]
    public var gini: Double
    public var curves: BinaryCurves
    public var threshold: Double
    public var confusion: Confusion
    /// Reliability of the (calibrated) scores on the file, 10 equal-width bins.
    public var reliability: [ReliabilityBin]
    /// Score histograms (20 equal-width bins over [0, 1]) of the positive and negative rows.
    public var positiveHistogram: [Int]
    public var negativeHistogram: [Int]
    public var importances: [Importance]
    /// PSI of each input column and, last, of the score ("score"), training data vs the
    /// file; empty without training data.
    public var stability: [PopulationStability]

    /// Builds the report. `training` is the training data file's table (for PSI), if given.
    /// Permutation importance shuffles with a generator seeded by `seed`.
    public static func build(model: TrainedModel, table: DataTable, training: DataTable?, threshold: Double = 0.5,
                             seed: UInt64 = 42, threads: Int = 0) throws -> ModelReport {
        let p = model.preprocessing
        guard model.task == .classification, p.classes.count == 2 else {
            throw TrainingError.invalidParameter("the report covers two-class models; this one has \(p.classes.count) classes")
        }
        let pos = model.calibratedClass
        let x = try p.encode(table: table)
        guard case let .classes(labels, _) = try p.encodeTargets(table: table) else {
            throw TrainingError.invalidParameter("no class target in the data")
        }
        let metrics = try ModelTrainer.evaluate(model: model, table: table, threads: threads)
        let probabilities = try model.predict(features: x, threads: threads)
        let scores = (0..<table.rowCount).map { probabilities[$0 * 2 + pos] }
        let isPositive = labels.map { Int($0) == pos }
        let auc = metrics.first { $0.name == "auc" }?.value ?? .nan

        var confusion = Confusion()
        var posHist = [Int](repeating: 0, count: 20), negHist = posHist
        for (s, y) in zip(scores, isPositive) {
            let called = s >= threshold
            switch (called, y) {
            case (true, true): confusion.truePositives += 1
            case (true, false): confusion.falsePositives += 1
            case (false, false): confusion.trueNegatives += 1
            case (false, true): confusion.falseNegatives += 1
            }
            let b = min(19, max(0, Int(s * 20)))
            if y { posHist[b] += 1 } else { negHist[b] += 1 }
        }

        // Mean |SHAP| per input column, of the forest's own (uncalibrated) probability.
        var meanAbsSHAP = [Double](repeating: .nan, count: p.columns.count)
        if let explainer = try? ModelExplainer(preprocessing: p, forest: model.forest) {
            var sample = Array(0..<table.rowCount)
            if sample.count > maxExplainedRows {
                var pick = RandomGenerator(seed: seed, stream: 0x5A4B)
                for i in stride(from: sample.count - 1, to: 0, by: -1) { sample.swapAt(i, Int(pick.next() % UInt64(i + 1))) }
                sample = Array(sample.prefix(maxExplainedRows)).sorted()
            }
            var values: [Double] = []
            values.reserveCapacity(sample.count * x.featureCount)
            for r in sample { values += x.values[(r * x.featureCount)..<((r + 1) * x.featureCount)] }
            let rows = try explainer.explain(matrix: try FeatureMatrix(rowCount: sample.count, featureCount: x.featureCount, values: values),
                                             output: pos, topK: 1, threads: threads)
            meanAbsSHAP = (0..<p.columns.count).map { c in rows.reduce(0) { $0 + abs($1.columns[c]) } / Double(max(rows.count, 1)) }
        }

        // Permutation importance per input column (all its encoded features move together).
        var importances: [Importance] = []
        let compiled = try CompiledForest(forest: model.forest)
        var rng = RandomGenerator(seed: seed)
        let n = x.rowCount, f = x.featureCount
        for (c, column) in p.columns.enumerated() {
            let first = p.firstFeature(ofColumn: c), width = column.featureCount
            let impurity = model.forest.featureImportance.isEmpty ? .nan
                : model.forest.featureImportance[first..<(first + width)].reduce(0, +)
            var order = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var values = x.values
            for r in 0..<n { for j in first..<(first + width) { values[r * f + j] = x.values[order[r] * f + j] } }
            var shuffled = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: f, values: values), threads: threads)
            shuffled = model.calibration.apply(probabilities: shuffled, positiveClass: pos)
            let a = Metrics.rocAUC(scores: (0..<n).map { shuffled[$0 * 2 + pos] }, positives: isPositive)
            importances.append(Importance(column: column.name, impurity: impurity, permutation: auc - a,
                                          meanAbsSHAP: meanAbsSHAP[c]))
        }
        importances.sort { $0.permutation > $1.permutation }

        var stability: [PopulationStability] = []
        if let training {
            for column in p.columns {
                guard let e = training.column(named: column.name), let a = table.column(named: column.name) else { continue }
                if column.kind == .numeric, case let .numeric(ev) = e.storage, case let .numeric(av) = a.storage {
                    stability.append(.numeric(name: column.name, expected: ev, actual: av))
                } else {
                    stability.append(.categorical(name: column.name, expected: labelsOf(e), actual: labelsOf(a)))
                }
            }
            let tx = try p.encode(table: training)
            let tp = try model.predict(features: tx, threads: threads)
            stability.append(.numeric(name: "score", expected: (0..<training.rowCount).map { tp[$0 * 2 + pos] }, actual: scores))
        }

        return ModelReport(
            positiveClass: p.classes[pos], negativeClass: p.classes[1 - pos], rows: table.rowCount,
            positives: isPositive.filter { $0 }.count, metrics: metrics, gini: 2 * auc - 1,
            curves: BinaryCurves(scores: scores, positives: isPositive), threshold: threshold, confusion: confusion,
            reliability: ReliabilityBin.bins(scores: scores, positives: isPositive),
            positiveHistogram: posHist, negativeHistogram: negHist, importances: importances, stability: stability)
    }

    /// A column's values as labels (numbers printed as the CSV would show them; nil = missing).
    private static func labelsOf(_ column: DataColumn) -> [String?] {
        switch column.storage {
        case let .categorical(codes, levels): return codes.map { $0 < 0 ? nil : levels[Int($0)] }
        case let .numeric(v): return v.map { $0.isNaN ? nil : ($0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0)) }
        }
    }
}
