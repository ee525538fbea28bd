// grove evaluate: scores a published model on a labelled CSV file.

import ArgumentParser
import Foundation
import GroveForest

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model on a CSV file that has its target column (the model's own preprocessing).")

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var name: String
    @Option(help: "Version (default: latest).") var version: UInt64?
    @Option(help: "Labelled CSV data.") var data: String
    @Option(help: "Threads (default: all cores).") var threads: Int = 0
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let model = try ModelFileLoader.load(repo: repo, name: name, version: version)
        let table: DataTable
        do { table = try CSVReader.read(path: data) } catch { throw ValidationError("\(data): \(error)") }
        let metrics: [Metric]
        do {
            metrics = try ModelTrainer.evaluate(model: model, table: table, threads: threads)
        } catch {
            throw ValidationError("evaluation failed: \(error)")
        }
        if json {
            var o = MetricText.object(metrics)
            o["name"] = model.name
            o["version"] = model.version
            o["rows"] = table.rowCount
            print(JSONText.encode(o))
        } else {
            print("\(model.name)@\(model.version) on \(data) (\(table.rowCount) rows):")
            print(MetricText.lines(metrics))
        }
    }
}
