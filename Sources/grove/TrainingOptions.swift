// TrainingOptions: the data and forest options shared by `grove train` and `grove cv`.

import ArgumentParser
import Foundation
import GroveForest

struct TrainingOptions: ParsableArguments {
    @Option(help: "Training data: a CSV file with a header row.")
    var data: String

    @Option(help: "The column to predict.")
    var target: String

    @Option(help: "The positive class label (binary metrics such as AUC are about it).")
    var positive: String?

    @Option(help: "classification or regression (default: inferred from the target column).")
    var task: String?

    @Option(help: "Number of trees.")
    var trees: Int?

    @Option(help: "Maximum tree depth (0: unlimited).")
    var maxDepth: Int?

    @Option(help: "Minimum rows a node needs to be split.")
    var minSamplesSplit: Int?

    @Option(help: "Minimum rows in a leaf.")
    var minSamplesLeaf: Int?

    @Option(help: "Features tried per split: sqrt, log2, all, an integer, or a fraction.")
    var maxFeatures: String?

    @Option(help: "gini or entropy (classification), squared_error (regression).")
    var criterion: String?

    @Option(help: "Split finding: histogram or exact.")
    var splitMethod: String?

    @Option(help: "Histogram bins per feature (2-255).")
    var maxBins: Int?

    @Option(help: "Random seed (training and the holdout split).")
    var seed: UInt64?

    @Option(help: "Training threads (default: all cores). Results do not depend on it.")
    var threads: Int = 0

    @Option(help: "Columns to read as categorical even if numeric (comma separated).")
    var categorical: String?

    @Flag(help: "Choose --min-samples-leaf (3, 10 or 40) by out-of-bag log loss: three fits; needs bootstrap.")
    var tune = false

    @Option(help: "Calibrate probabilities on out-of-bag predictions: none, platt or isotonic (two classes).")
    var calibrate: String?

    /// Reads the data file: its SHA-256 (recorded in the model) and the parsed table, both of
    /// the same bytes: the file is read once into memory the process owns (a file changed
    /// during that read is an error; one changed later cannot change them), then hashed on
    /// another thread while the CSV is parsed (on `threads` threads).
    func readData() throws -> (sha256: [UInt8], table: DataTable) {
        var options = CSVOptions()
        if let categorical {
            for name in categorical.split(separator: ",") { options.kinds[String(name)] = .categorical }
        }
        do {
            return try CSVReader.withFileBytes(path: data) { buffer in
                let hash = ConcurrentHash(UnsafeRawBufferPointer(buffer))
                let table = Result { try CSVReader.parse(buffer: buffer, options: options, threads: threads) }
                return (hash.value(), try table.get())
            }
        } catch {
            throw ValidationError("\(data): \(error)")
        }
    }

    /// The task: as given, or inferred (a text target, or a numeric one with at
    /// most 10 distinct integer values, means classification).
    func resolveTask(_ table: DataTable) throws -> ModelTask {
        if let task {
            guard let t = ModelTask(rawValue: task) else { throw ValidationError("--task must be classification or regression") }
            return t
        }
        guard let column = table.column(named: target) else {
            throw ValidationError("no column '\(target)' in \(data); columns: \(table.columnNames.joined(separator: ", "))")
        }
        if positive != nil { return .classification }
        switch column.storage {
        case .categorical: return .classification
        case let .numeric(values):
            let distinct = Preprocessing.distinctValues(values, upTo: 10)
            if distinct.count > 10 || distinct.contains(where: { $0 != $0.rounded() }) { return .regression }
            return .classification
        }
    }

    func parameters(task: ModelTask, testFraction: Double) throws -> TrainingParameters {
        var p = TrainingParameters(task: task)
        if let trees { p.trees = trees }
        if let maxDepth { p.maxDepth = maxDepth }
        if let minSamplesSplit { p.minSamplesSplit = minSamplesSplit }
        if let minSamplesLeaf { p.minSamplesLeaf = minSamplesLeaf }
        if let maxFeatures {
            do { p.maxFeatures = try MaxFeatures(parsing: maxFeatures) } catch { throw ValidationError("--max-features: \(error)") }
        }
        if let criterion {
            guard let c = SplitCriterion(rawValue: criterion) else { throw ValidationError("--criterion must be gini, entropy or squared_error") }
            p.criterion = c
        }
        if let splitMethod {
            guard let m = SplitMethod(rawValue: splitMethod) else { throw ValidationError("--split-method must be histogram or exact") }
            p.splitMethod = m
        }
        if let maxBins { p.maxBins = maxBins }
        if let seed { p.seed = seed }
        if let calibrate {
            guard let c = CalibrationMethod(rawValue: calibrate) else { throw ValidationError("--calibrate must be none, platt or isotonic") }
            p.calibration = c
        }
        if tune {
            if minSamplesLeaf != nil {
                throw ValidationError("--tune chooses --min-samples-leaf: do not give it")
            }
            p.tune = true
        }
        p.testFraction = testFraction
        do { try p.validate(for: task) } catch { throw ValidationError("\(error)") }
        return p
    }
}

/// Metrics as text lines or as a JSON object.
enum MetricText {
    static func lines(_ metrics: [Metric]) -> String {
        metrics.map { "  \($0.name): \(String(format: "%.4f", $0.value))" }.joined(separator: "\n")
    }

    static func object(_ metrics: [Metric]) -> [String: Any] {
        Dictionary(metrics.map { ($0.name, ResponseText.safe($0.value)) }, uniquingKeysWith: { a, _ in a })
    }
}
