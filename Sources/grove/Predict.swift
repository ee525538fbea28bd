// grove predict: scores every row of a CSV file offline, one output row per input row.

import ArgumentParser
import Foundation
import GroveForest

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every row of a CSV file with a published model; writes CSV.",
        discussion: "Classification: one probability column per class (p_<class>) and the predicted label. Regression: the value.")

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var name: String
    @Option(help: "Version (default: latest).") var version: UInt64?
    @Option(help: "Input CSV (a target column, if present, is ignored).") var data: String
    @Option(help: "Output file (default: stdout).") var out: String?
    @Option(help: "Threads (default: all cores).") var threads: Int = 0

    func run() throws {
        let model = try ModelFileLoader.load(repo: repo, name: name, version: version)
        let table: DataTable
        do { table = try CSVReader.read(path: data) } catch { throw ValidationError("\(data): \(error)") }
        let outputs: [Double]
        do {
            let x = try model.preprocessing.encode(table: table)
            outputs = try model.predict(features: x, threads: threads)
        } catch {
            throw ValidationError("prediction failed: \(error)")
        }
        var text = ""
        let k = model.forest.numOutputs
        if model.task == .classification {
            let classes = model.preprocessing.classes
            text += classes.map { CSVText.field("p_\($0)") }.joined(separator: ",") + ",label\n"
            for r in 0..<table.rowCount {
                let best = outputs.withUnsafeBufferPointer { CompiledForest.argmax(UnsafeBufferPointer(rebasing: $0[(r * k)..<((r + 1) * k)])) }
                text += (0..<k).map { String(outputs[r * k + $0]) }.joined(separator: ",") + "," + CSVText.field(classes[best]) + "\n"
            }
        } else {
            text += "prediction\n"
            for r in 0..<table.rowCount { text += String(outputs[r]) + "\n" }
        }
        if let out {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write \(out): \(error)") }
        } else {
            FileHandle.standardOutput.write(text.data(using: .utf8)!)
        }
    }
}
