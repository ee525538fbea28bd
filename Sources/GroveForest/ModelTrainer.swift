// End-to-end training from a raw table: split, preprocess, train, evaluate.

import Foundation

/// The training pipeline the CLI calls: raw table in, `TrainedModel` out.
public enum ModelTrainer {
    /// Trains a model on `table`.
    ///
    /// With `parameters.testFraction > 0`, a seeded holdout (stratified by class for
    /// classification) is set aside: preprocessing and forest are learned on the rest,
    /// and the metrics are measured on the holdout; otherwise all rows train and the
    /// metrics hold only "oob_score". Binary classification adds "oob_log_loss" and
    /// "oob_brier" (see `outOfBagMetrics`). Classes come from all rows.
    ///
    /// `treeBuilt` sees each tree of the returned forest as soon as it is grown, on the
    /// worker thread that grew it (`ForestTrainer.fit`); with `tune` it is not called (only
    /// one of the candidates' forests is kept).
    public static func train(table: DataTable, target: String, task: ModelTask, positive: String? = nil,
                             parameters: TrainingParameters, name: String, version: UInt64 = 1,
                             producer: String = "grove", trainingDataSHA256: [UInt8] = [],
                             createdUnixMicros: Int64? = nil, threads: Int = 0,
                             progress: ((Int, Int) -> Void)? = nil,
                             treeBuilt: ((Int, Tree) -> Void)? = nil) throws -> TrainedModel {
        try parameters.validate(for: task)
        // Learned from every row to read the targets (the classes come from all rows); its
        // names are checked only where it is the model's own (no holdout, below): a category
        // seen only in held-out rows is no clash in the model.
        let all = try Preprocessing.fit(table: table, target: target, task: task, positive: positive, checkNames: false)
        let allTargets = try all.encodeTargets(table: table)
        var trainRows = Array(0..<table.rowCount)
        var testRows: [Int] = []
        if parameters.testFraction > 0 {
            var strata: [Int32]? = nil
            if case let .classes(labels, _) = allTargets { strata = labels }
            (trainRows, testRows) = DataSplit.holdout(count: table.rowCount, testFraction: parameters.testFraction,
                                                      seed: parameters.seed, stratifyBy: strata)
        }
        // Without a holdout the training rows are all rows: `all` is their preprocessing.
        let everyRow = testRows.isEmpty
        if everyRow { try Preprocessing.checkDistinctFeatureNames(all.columns) }
        let prep = everyRow ? all
            : try Preprocessing.fit(table: table, target: target, task: task, positive: positive, rows: trainRows)
        let x = try prep.encode(table: table, rows: everyRow ? nil : trainRows, threads: threads)
        let y = everyRow ? allTargets : allTargets.selecting(rows: trainRows)
        // The matrix is handed over (`consume`): its memory goes back before the trees grow.
        let (fit, params, calibration, reliability) = try fitForest(
            features: consume x, target: y, parameters: parameters, positiveClass: prep.positiveClass, threads: threads,
            progress: progress, treeBuilt: treeBuilt)
        let forest = fit.forest
        var metrics: [Metric]
        if testRows.isEmpty {
            metrics = [Metric(name: "oob_score", value: forest.oobScore)]
        } else {
            let xt = try prep.encode(table: table, rows: testRows)
            metrics = try evaluate(forest: forest, preprocessing: prep, features: xt,
                                   target: allTargets.selecting(rows: testRows), calibration: calibration, threads: threads)
        }
        metrics += outOfBagMetrics(fit, target: y, positiveClass: prep.positiveClass)
        let now = createdUnixMicros ?? Int64(Date().timeIntervalSince1970 * 1_000_000)
        return TrainedModel(name: name, version: version, createdUnixMicros: now, task: task, params: params,
                            metrics: metrics, trainingDataSHA256: trainingDataSHA256, preprocessing: prep,
                            forest: forest, producer: producer, trainingRows: UInt64(trainRows.count),
                            calibration: calibration, outOfBagReliability: reliability)
    }

    /// The forest for encoded training rows as the parameters ask: tuned (`tune`) or not,
    /// then calibrated (`calibration`) on its out-of-bag predictions; returns the
    /// parameters used (the tuned choice), the calibration and the out-of-bag reliability
    /// bins (two classes with bootstrap; else empty). `train` and `crossValidate` share it.
    static func fitForest(features x: consuming FeatureMatrix, target y: TrainingTarget, parameters: TrainingParameters,
                          positiveClass: Int?, threads: Int, progress: ((Int, Int) -> Void)?,
                          treeBuilt: ((Int, Tree) -> Void)? = nil) throws
        -> (fit: ForestFit, params: TrainingParameters, calibration: ProbabilityCalibration, reliability: [ReliabilityBin]) {
        var params = parameters
        let fit: ForestFit
        if parameters.tune {
            (fit, params) = try tuned(features: x, target: y, parameters: parameters, positiveClass: positiveClass,
                                      threads: threads, progress: progress)
        } else {
            fit = try ForestTrainer.fit(features: consume x, target: y, parameters: parameters,
                                        positiveClass: positiveClass, threads: threads, progress: progress,
                                        treeBuilt: treeBuilt)
        }
        var calibration = ProbabilityCalibration.identity
        var reliability: [ReliabilityBin] = []
        if case let .classes(labels, 2) = y {
            let (scores, positives) = fit.outOfBagScores(labels: labels, positiveClass: positiveClass ?? 1)
            if !scores.isEmpty { reliability = ReliabilityBin.bins(scores: scores, positives: positives) }
            if params.calibration != .none {
                calibration = try ProbabilityCalibration.fit(params.calibration, scores: scores, positives: positives)
            }
        } else if params.calibration != .none {
            throw TrainingError.invalidParameter("calibration applies to two-class targets only")
        }
        return (fit, params, calibration, reliability)
    }

    /// The min_samples_leaf values `--tune` tries (see docs/defaults-study.md: the study
    /// found the best leaf between 3 and 40 depending on the data, and no max_features
    /// better than sqrt on most sets, so only the leaf is tuned).
    public static let tuningCandidates = [3, 10, 40]

    /// Fits one forest per tuning candidate (same seed and other parameters) and keeps the
    /// one with the lowest out-of-bag log loss (classification) or highest out-of-bag R²
    /// (regression); ties keep the earlier candidate. Costs candidates x one fit.
    static func tuned(features: FeatureMatrix, target: TrainingTarget, parameters: TrainingParameters,
                      positiveClass: Int?, threads: Int,
                      progress: ((Int, Int) -> Void)?) throws -> (ForestFit, TrainingParameters) {
        var best: (fit: ForestFit, params: TrainingParameters, loss: Double)? = nil
        let total = parameters.trees * tuningCandidates.count
        for (i, leaf) in tuningCandidates.enumerated() {
            var p = parameters
            p.minSamplesLeaf = leaf
            let fit = try ForestTrainer.fit(features: features, target: target, parameters: p, positiveClass: positiveClass,
                                            threads: threads,
                                            progress: progress.map { f in { done, _ in f(i * p.trees + done, total) } })
            let loss = outOfBagLoss(fit, target: target)
            if best == nil || loss < best!.loss { best = (fit, p, loss) }
        }
        return (best!.fit, best!.params)
    }

    /// Out-of-bag log loss (classification) or 1 - R² (regression), over rows left out at
    /// least once; +infinity when there is none.
    static func outOfBagLoss(_ fit: ForestFit, target: TrainingTarget) -> Double {
        let k = fit.forest.numOutputs
        let rows = (0..<target.count).filter { fit.outOfBag.count == target.count * k && !fit.outOfBag[$0 * k].isNaN }
        if rows.isEmpty { return .infinity }
        switch target {
        case let .classes(labels, count):
            var probabilities: [Double] = []
            probabilities.reserveCapacity(rows.count * k)
            for r in rows { probabilities.append(contentsOf: fit.outOfBag[(r * k)..<(r * k + k)]) }
            return Metrics.logLoss(probabilities: probabilities, labels: rows.map { Int(labels[$0]) }, classCount: count)
        case let .values(v):
            let r2 = Metrics.r2(predictions: rows.map { fit.outOfBag[$0] }, targets: rows.map { v[$0] })
            return r2.isNaN ? .infinity : 1 - r2
        }
    }

    /// Binary classification with bootstrap: "oob_log_loss" and "oob_brier" of the positive
    /// class's out-of-bag probabilities over the rows that have one (the training rows' own
    /// honest estimate, used to choose settings); nothing otherwise.
    static func outOfBagMetrics(_ fit: ForestFit, target: TrainingTarget, positiveClass: Int?) -> [Metric] {
        guard case let .classes(labels, 2) = target else { return [] }
        let (scores, positives) = fit.outOfBagScores(labels: labels, positiveClass: positiveClass ?? 1)
        if scores.isEmpty { return [] }
        var probabilities: [Double] = []
        probabilities.reserveCapacity(2 * scores.count)
        for s in scores {
            probabilities.append(1 - s)
            probabilities.append(s)
        }
        let y = positives.map { $0 ? 1 : 0 }
        return [Metric(name: "oob_log_loss", value: Metrics.logLoss(probabilities: probabilities, labels: y, classCount: 2)),
                Metric(name: "oob_brier", value: Metrics.brier(probabilities: probabilities, labels: y, classCount: 2))]
    }

    /// Metrics of `forest` on encoded rows (see `Metrics.classification` / `.regression`).
    /// `calibration` maps the positive class's probability first (two classes only).
    public static func evaluate(forest: Forest, preprocessing: Preprocessing, features: FeatureMatrix,
                                target: TrainingTarget, calibration: ProbabilityCalibration = .identity,
                                threads: Int = 0) throws -> [Metric] {
        let compiled = try CompiledForest(forest: forest)
        var pred = try compiled.predict(matrix: features, threads: threads)
        if calibration.method != .none {
            pred = calibration.apply(probabilities: pred, positiveClass: preprocessing.positiveClass ?? 1)
        }
        switch target {
        case let .classes(labels, count):
            return Metrics.classification(probabilities: pred, labels: labels.map { Int($0) }, classCount: count,
                                          positiveClass: preprocessing.positiveClass)
        case let .values(v):
            return Metrics.regression(predictions: pred, targets: v)
        }
    }

    /// Metrics of `model` on a raw table that has the target column.
    public static func evaluate(model: TrainedModel, table: DataTable, threads: Int = 0) throws -> [Metric] {
        let x = try model.preprocessing.encode(table: table)
        let y = try model.preprocessing.encodeTargets(table: table)
        return try evaluate(forest: model.forest, preprocessing: model.preprocessing, features: x, target: y,
                            calibration: model.calibration, threads: threads)
    }

    /// K-fold cross-validation: per fold, preprocessing and forest (tuned and calibrated
    /// as the parameters ask) are learned on the other folds and scored on the fold;
    /// returns the mean of each metric, in order.
    public static func crossValidate(table: DataTable, target: String, task: ModelTask, positive: String? = nil,
                                     parameters: TrainingParameters, folds: Int = 5, threads: Int = 0) throws -> [Metric] {
        try parameters.validate(for: task)
        // Only to read the targets: each fold learns (and checks) its own preprocessing.
        let all = try Preprocessing.fit(table: table, target: target, task: task, positive: positive, checkNames: false)
        let allTargets = try all.encodeTargets(table: table)
        var strata: [Int32]? = nil
        if case let .classes(labels, _) = allTargets { strata = labels }
        var sums: [Metric] = []
        let splits = DataSplit.kFold(count: table.rowCount, folds: folds, seed: parameters.seed, stratifyBy: strata)
        for (train, test) in splits {
            let prep = try Preprocessing.fit(table: table, target: target, task: task, positive: positive, rows: train)
            let fitted = try fitForest(features: try prep.encode(table: table, rows: train),
                                       target: allTargets.selecting(rows: train), parameters: parameters,
                                       positiveClass: prep.positiveClass, threads: threads, progress: nil)
            let m = try evaluate(forest: fitted.fit.forest, preprocessing: prep,
                                 features: try prep.encode(table: table, rows: test),
                                 target: allTargets.selecting(rows: test), calibration: fitted.calibration, threads: threads)
            if sums.isEmpty { sums = m } else { for i in sums.indices { sums[i].value += m[i].value } }
        }
        return sums.map { Metric(name: $0.name, value: $0.value / Double(splits.count)) }
    }
}
