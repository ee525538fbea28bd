// End-to-end training from a raw table: split, preprocess, train, evaluate.

import Foundation

/// The training pipeline the CLI calls: raw table in, `TrainedModel` out.
public enum ModelTrainer {
    /// Trains a model on `table`.
    ///
    /// With `parameters.testFraction > 0`, a seeded holdout (stratified by class for
    /// classification) is set aside: preprocessing and forest are learned on the rest,
    /// and the metrics are measured on the holdout; otherwise all rows train and the
    /// metrics hold only "oob_score". Classes come from all rows.
    public static func train(table: DataTable, target: String, task: ModelTask, positive: String? = nil,
                             parameters: TrainingParameters, name: String, version: UInt64 = 1,
                             producer: String = "grove", trainingDataSHA256: [UInt8] = [],
                             createdUnixMicros: Int64? = nil, threads: Int = 0,
                             progress: ((Int, Int) -> Void)? = nil) throws -> TrainedModel {
        try parameters.validate(for: task)
        let all = try Preprocessing.fit(table: table, target: target, task: task, positive: positive)
        let allTargets = try all.encodeTargets(table: table)
        var trainRows = Array(0..<table.rowCount)
        var testRows: [Int] = []
        if parameters.testFraction > 0 {
            var strata: [Int32]? = nil
            if case let .classes(labels, _) = allTargets { strata = labels }
            (trainRows, testRows) = DataSplit.holdout(count: table.rowCount, testFraction: parameters.testFraction,
                                                      seed: parameters.seed, stratifyBy: strata)
        }
        let prep = try Preprocessing.fit(table: table, target: target, task: task, positive: positive, rows: trainRows)
        let x = try prep.encode(table: table, rows: trainRows)
        let y = allTargets.selecting(rows: trainRows)
        let forest = try ForestTrainer.train(features: x, target: y, parameters: parameters,
                                             positiveClass: prep.positiveClass, threads: threads, progress: progress)
        var metrics: [Metric]
        if testRows.isEmpty {
            metrics = [Metric(name: "oob_score", value: forest.oobScore)]
        } else {
            let xt = try prep.encode(table: table, rows: testRows)
            metrics = try evaluate(forest: forest, preprocessing: prep, features: xt,
                                   target: allTargets.selecting(rows: testRows), threads: threads)
        }
        let now = createdUnixMicros ?? Int64(Date().timeIntervalSince1970 * 1_000_000)
        return TrainedModel(name: name, version: version, createdUnixMicros: now, task: task, params: parameters,
                            metrics: metrics, trainingDataSHA256: trainingDataSHA256, preprocessing: prep,
                            forest: forest, producer: producer, trainingRows: UInt64(trainRows.count))
    }

    /// Metrics of `forest` on encoded rows (see `Metrics.classification` / `.regression`).
    public static func evaluate(forest: Forest, preprocessing: Preprocessing, features: FeatureMatrix,
                                target: TrainingTarget, threads: Int = 0) throws -> [Metric] {
        let compiled = try CompiledForest(forest: forest)
        let pred = try compiled.predict(matrix: features, threads: threads)
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
                            threads: threads)
    }

    /// K-fold cross-validation: per fold, preprocessing and forest are learned on the
    /// other folds and scored on the fold; returns the mean of each metric, in order.
    public static func crossValidate(table: DataTable, target: String, task: ModelTask, positive: String? = nil,
                                     parameters: TrainingParameters, folds: Int = 5, threads: Int = 0) throws -> [Metric] {
        try parameters.validate(for: task)
        let all = try Preprocessing.fit(table: table, target: target, task: task, positive: positive)
        let allTargets = try all.encodeTargets(table: table)
        var strata: [Int32]? = nil
        if case let .classes(labels, _) = allTargets { strata = labels }
        var sums: [Metric] = []
        let splits = DataSplit.kFold(count: table.rowCount, folds: folds, seed: parameters.seed, stratifyBy: strata)
        for (train, test) in splits {
            let prep = try Preprocessing.fit(table: table, target: target, task: task, positive: positive, rows: train)
            let forest = try ForestTrainer.train(features: try prep.encode(table: table, rows: train),
                                                 target: allTargets.selecting(rows: train), parameters: parameters,
                                                 positiveClass: prep.positiveClass, threads: threads)
            let m = try evaluate(forest: forest, preprocessing: prep, features: try prep.encode(table: table, rows: test),
                                 target: allTargets.selecting(rows: test), threads: threads)
            if sums.isEmpty { sums = m } else { for i in sums.indices { sums[i].value += m[i].value } }
        }
        return sums.map { Metric(name: $0.name, value: $0.value / Double(splits.count)) }
    }
}
