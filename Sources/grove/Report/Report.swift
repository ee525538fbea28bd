// grove report: one self-contained HTML page (or JSON) about a model on a labelled file.

import ArgumentParser
import Foundation
import GroveForest
import GroveModelStore
import GroveWire

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a model report: identity, held-out metrics (AUC, Gini, KS, log loss, Brier), ROC/PR curves, reliability, score distributions, confusion matrix, importances and PSI.",
        discussion: """
        --data is a labelled CSV the model did not train on. --train-data (the training file, checked \
        against the SHA-256 the model recorded) adds the population stability index of every input \
        column and of the score. The page is one HTML file with inline SVG: no scripts, no fetches.
        """)

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var name: String
    @Option(help: "Version (default: latest).") var version: UInt64?
    @Option(help: "Labelled CSV data to report on (held-out rows).") var data: String
    @Option(help: "The model's training CSV, for the population stability index (optional).") var trainData: String?
    @Option(help: "Output file (default: report.html, or stdout with --json).") var out: String?
    @Option(help: "Score threshold for the confusion matrix and accuracy.") var threshold: Double = 0.5
    @Option(help: "Threads (default: all cores).") var threads: Int = 0
    @Flag(help: "Write the same numbers as one JSON object.") var json = false

    func validate() throws {
        guard threshold.isFinite, threshold >= 0, threshold <= 1 else { throw ValidationError("--threshold must be in [0, 1]") }
    }

    func run() throws {
        guard ModelRepository.isValidName(name) else { throw ValidationError("invalid model name '\(name)'") }
        guard let file = ModelRepository.modelFile(repository: URL(fileURLWithPath: repo, isDirectory: true), name: name, version: version),
              let modelBytes = FileManager.default.contents(atPath: file.path) else {
            throw ValidationError("no model \(name)\(version.map { "@\($0)" } ?? "") in \(repo)")
        }
        let model: TrainedModel
        do { model = try ModelFileCodec.decode([UInt8](modelBytes)) } catch { throw ValidationError("\(file.path): \(error)") }
        let (dataBytes, table) = try Self.read(data)
        var training: DataTable? = nil
        var trainingNote = "not computed: pass --train-data with the training file"
        if let trainData {
            let (bytes, t) = try Self.read(trainData)
            let sha = ModelFileCodec.sha256(bytes)
            if !model.trainingDataSHA256.isEmpty && sha != model.trainingDataSHA256 {
                throw ValidationError("\(trainData) is not the file this model was trained on (its SHA-256 differs from the one the model recorded)")
            }
            training = t
            trainingNote = "\(trainData) (SHA-256 matches the model's record)"
        }
        let report: ModelReport
        do {
            report = try ModelReport.build(model: model, table: table, training: training, threshold: threshold, threads: threads)
        } catch {
            throw ValidationError("report failed: \(error)")
        }
        let identity = ReportIdentity(
            model: model, modelSHA256: ModelFileCodec.sha256Hex([UInt8](modelBytes)), modelPath: file.path,
            dataPath: data, dataSHA256: ModelFileCodec.sha256Hex(dataBytes), dataColumns: table.columns.count,
            trainingNote: trainingNote)
        let text = json ? JSONText.encode(ReportJSON.object(report, identity)) + "\n"
                        : ReportPage.html(report, identity)
        let path = out ?? (json ? nil : "report.html")
        if let path {
            do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write \(path): \(error)") }
            if !json { print("wrote \(path)") }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    static func read(_ path: String) throws -> ([UInt8], DataTable) {
        do {
            let bytes = try CSVReader.readFile(path: path)
            return (bytes, try CSVReader.parse(bytes, options: CSVOptions()))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }
}

/// Who and what the report is about (the page's first section).
struct ReportIdentity {
    var model: TrainedModel
    var modelSHA256: String
    var modelPath: String
    var dataPath: String
    var dataSHA256: String
    var dataColumns: Int
    var trainingNote: String

    var parameters: [(String, String)] {
        let p = model.params
        return [("trees", "\(p.trees)"), ("min_samples_leaf", "\(p.minSamplesLeaf)" + (p.tune ? " (tuned)" : "")),
                ("max_features", "\(p.maxFeatures)"), ("criterion", p.criterion.rawValue),
                ("max_depth", p.maxDepth == 0 ? "unlimited" : "\(p.maxDepth)"), ("min_samples_split", "\(p.minSamplesSplit)"),
                ("bootstrap", "\(p.bootstrap)"), ("split_method", "\(p.splitMethod.rawValue) (\(p.maxBins) bins)"),
                ("seed", "\(p.seed)"), ("test_fraction", "\(p.testFraction)"), ("calibration", model.calibration.method.rawValue)]
    }
}

/// The report as one JSON object (the same numbers as the page).
enum ReportJSON {
    static func object(_ r: ModelReport, _ id: ReportIdentity) -> [String: Any] {
        let safe = ResponseText.safe
        var metrics = MetricText.object(r.metrics)
        metrics["gini"] = safe(r.gini)
        metrics["ks"] = safe(r.curves.ks)
        metrics["ks_threshold"] = safe(r.curves.ksThreshold)
        metrics["average_precision"] = safe(r.curves.averagePrecision)
        metrics["accuracy_at_threshold"] = safe(r.confusion.accuracy)
        return [
            "model": ["name": id.model.name, "version": id.model.version, "sha256": id.modelSHA256,
                      "training_data_sha256": id.model.trainingDataSHA256.map { String(format: "%02x", $0) }.joined(),
                      "training_rows": id.model.trainingRows, "producer": id.model.producer,
                      "created_unix_micros": id.model.createdUnixMicros,
                      "parameters": Dictionary(id.parameters, uniquingKeysWith: { a, _ in a }),
                      "recorded_metrics": MetricText.object(id.model.metrics)] as [String: Any],
            "data": ["path": id.dataPath, "sha256": id.dataSHA256, "rows": r.rows, "columns": id.dataColumns,
                     "positives": r.positives, "positive_class": r.positiveClass] as [String: Any],
            "metrics": metrics,
            "threshold": r.threshold,
            "confusion": ["true_positives": r.confusion.truePositives, "false_positives": r.confusion.falsePositives,
                          "true_negatives": r.confusion.trueNegatives, "false_negatives": r.confusion.falseNegatives],
            "roc": BinaryCurves.thinned(r.curves.roc, to: 200).map { [$0.0, $0.1] },
            "precision_recall": BinaryCurves.thinned(r.curves.precisionRecall, to: 200).map { [$0.0, $0.1] },
            "reliability": r.reliability.map(bin),
            "oob_reliability": id.model.outOfBagReliability.map(bin),
            "score_histogram": ["positive": r.positiveHistogram, "negative": r.negativeHistogram],
            "importance": r.importances.map { ["column": $0.column, "impurity": safe($0.impurity), "permutation_auc_drop": safe($0.permutation),
                                               "mean_abs_shap": safe($0.meanAbsSHAP)] },
            "psi": r.stability.map { ["column": $0.name, "psi": safe($0.index), "verdict": $0.verdict, "bins": $0.bins,
                                      "expected": $0.expected, "actual": $0.actual] as [String: Any] },
        ]
    }

    static func bin(_ b: ReliabilityBin) -> [String: Any] {
        ["lower": b.lower, "upper": b.upper, "count": b.count, "mean_predicted": ResponseText.safe(b.meanPredicted),
         "observed_rate": ResponseText.safe(b.observedRate)]
    }
}
