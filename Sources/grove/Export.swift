// grove export: writes a published model's forest as an ONNX file, or its trees as JSON arrays.

import ArgumentParser
import Foundation
import GroveForest
import GroveONNX
import GroveModelStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a published model's forest to ONNX (ai.onnx.ml TreeEnsembleClassifier / Regressor, opset 3) or its trees as JSON.",
        discussion: """
        The file reads a double tensor `input` [N, features] of the encoded features (the model's feature names, \
        in order; its metadata lists them): preprocessing (mean fill, one-hot) stays in Grove. onnxruntime then \
        gives Grove's probabilities (or values) for the encoded rows. --format json writes every tree as arrays \
        (children_left, children_right, children_default, feature, threshold, value, cover) with feature_names, \
        classes, inputs, the decision rule (x <= threshold goes left) and the aggregation; see the README.
        """)

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var name: String
    @Option(help: "Version (default: latest).") var version: UInt64?
    @Option(help: "Format: onnx or json.") var format: String = "onnx"
    @Option(help: "Output file (json: default stdout).") var out: String?

    func validate() throws {
        guard format == "onnx" || format == "json" else { throw ValidationError("--format \(format): onnx or json") }
        if format == "onnx" && out == nil { throw ValidationError("--format onnx needs --out FILE") }
    }

    func run() throws {
        let model = try ModelFileLoader.load(repo: repo, name: name, version: version)
        if format == "json" {
            let text = TreeJSON.document(model)
            if let out {
                do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write \(out): \(error)") }
            } else {
                FileHandle.standardOutput.write(text.data(using: .utf8)!)
            }
            return
        }
        let out = self.out ?? ""
        let bytes = OnnxExporter.export(model, producerVersion: GroveVersion.string)
        do { try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw ValidationError("cannot write \(out): \(error)")
        }
        print("exported \(model.name)@\(model.version) (\(model.task), \(model.forest.trees.count) trees, "
            + "\(model.forest.numFeatures) encoded features) to \(out): \(bytes.count) bytes")
    }
}
