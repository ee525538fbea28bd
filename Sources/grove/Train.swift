// grove train: trains a forest with its preprocessing and publishes it as the next version.

import ArgumentParser
import Foundation
import GroveForest
import GroveModelStore
import GroveSystem
import GroveWire

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a random forest and publish it as REPO/NAME/<next version>.",
        discussion: """
        Holds out --test-fraction of the rows (seeded, stratified) and reports metrics on them; \
        --test-fraction 0 trains on every row. A running server picks the new version up by itself.
        """)

    @OptionGroup var training: TrainingOptions

    @Option(help: "Fraction of rows held out for the reported metrics (0: train on all).")
    var testFraction: Double = 0.2

    @Option(help: "Model repository.")
    var repo: String

    @Option(help: "Model name (letters, digits, '.', '_', '-').")
    var name: String

    @Option(help: ArgumentHelp("Write the model file in 64 KiB chunks with this pause between them (the kill -9 test).",
                               visibility: .hidden))
    var testPublishPauseUs: UInt32 = 0

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard ModelRepository.isValidName(name) else {
            throw ValidationError("invalid --name '\(name)': use letters, digits, '.', '_' and '-'")
        }
        guard (0..<1).contains(testFraction) else { throw ValidationError("--test-fraction must be in [0, 1)") }
    }

    func run() throws {
        let started = Date()
        let (dataSHA256, table) = try training.readData()
        let task = try training.resolveTask(table)
        let params = try training.parameters(task: task, testFraction: testFraction)
        let bar = ProgressBar()
        // Each tree's model-file bytes, packed by the worker that grew it while the others grow.
        let packed = PackedTrees(count: params.trees)
        let model: TrainedModel
        do {
            model = try ModelTrainer.train(
                table: table, target: training.target, task: task, positive: training.positive, parameters: params,
                name: name, producer: "grove \(GroveVersion.string)", trainingDataSHA256: dataSHA256,
                threads: training.threads, progress: { bar.update(done: $0, total: $1) },
                treeBuilt: { packed.pack($1, at: $0) })
        } catch {
            throw ValidationError("training failed: \(error)")
        }
        let trainSeconds = Date().timeIntervalSince(started)
        // The digest of the file as written (of the bytes handed to write(2): see publishFile).
        let published = try ModelRepository.publishFile(model, repository: URL(fileURLWithPath: repo, isDirectory: true),
                                                        chunkPauseMicros: testPublishPauseUs, packedTrees: packed)
        let (version, file, sha) = (published.version, published.file, published.sha256)
        if json {
            var o: [String: Any] = MetricText.object(model.metrics)
            o["name"] = name
            o["version"] = version
            o["path"] = file.path
            o["task"] = task.rawValue
            o["sha256"] = sha
            o["trees"] = model.forest.trees.count
            o["training_rows"] = model.trainingRows
            o["seconds"] = trainSeconds
            o["min_samples_leaf"] = model.params.minSamplesLeaf
            o["max_features"] = model.params.maxFeatures.description
            o["criterion"] = model.params.criterion.rawValue
            o["calibration"] = model.calibration.method.rawValue
            print(JSONText.encode(o))
        } else {
            print("trained \(name) version \(version): \(task), \(model.forest.trees.count) trees, \(model.trainingRows) training rows, \(String(format: "%.2f", trainSeconds)) s")
            print("  file: \(file.path)")
            print("  sha256: \(sha)")
            let p = model.params
            print("  min_samples_leaf \(p.minSamplesLeaf), max_features \(p.maxFeatures), criterion \(p.criterion)"
                  + (p.tune ? " (chosen by out-of-bag log loss)" : "") + ", calibration \(model.calibration.method)")
            print(testFraction > 0 ? "held-out metrics (\(Int(testFraction * 100))% of rows):" : "metrics:")
            print(MetricText.lines(model.metrics))
        }
    }
}
