// grove cv: k-fold cross-validation with the training options of `grove train`.

import ArgumentParser
import Foundation
import GroveForest

struct CrossValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "K-fold cross-validation (stratified for classification); prints the mean of each metric.")

    @OptionGroup var training: TrainingOptions
    @Option(help: "Number of folds.") var folds: Int = 5
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (2...100).contains(folds) else { throw ValidationError("--folds must be between 2 and 100") }
    }

    func run() throws {
        let (_, table) = try training.readData()
        let task = try training.resolveTask(table)
        let params = try training.parameters(task: task, testFraction: 0)
        let metrics: [Metric]
        do {
            metrics = try ModelTrainer.crossValidate(table: table, target: training.target, task: task,
                                                     positive: training.positive, parameters: params, folds: folds,
                                                     threads: training.threads)
        } catch {
            throw ValidationError("cross-validation failed: \(error)")
        }
        if json {
            var o = MetricText.object(metrics)
            o["folds"] = folds
            o["task"] = task.rawValue
            print(JSONText.encode(o))
        } else {
            print("\(folds)-fold cross-validation, \(task), \(table.rowCount) rows (mean over folds):")
            print(MetricText.lines(metrics))
        }
    }
}
