// grove export: writes a published model's forest as an ONNX file.

import ArgumentParser
import Foundation
import GroveForest
import GroveONNX
import GroveModelStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a published model's forest to ONNX (ai.onnx.ml TreeEnsembleClassifier / Regressor, opset 3).",
        discussion: """
        The file reads a double tensor `input` [N, features] of the encoded features (the model's feature names, \
        in order; its metadata lists them): preprocessing (mean fill, one-hot) stays in Grove. onnxruntime then \
        gives Grove's probabilities (or values) for the encoded rows.
        """)

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var name: String
    @Option(help: "Version (default: latest).") var version: UInt64?
    @Option(help: "Format (onnx).") var format: String = "onnx"
    @Option(help: "Output file.") var out: String

    func validate() throws {
        guard format == "onnx" else { throw ValidationError("--format \(format): only onnx is supported") }
    }

    func run() throws {
        let model = try ModelFileLoader.load(repo: repo, name: name, version: version)
        let bytes = OnnxExporter.export(model, producerVersion: GroveVersion.string)
        do { try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw ValidationError("cannot write \(out): \(error)")
        }
        print("exported \(model.name)@\(model.version) (\(model.task), \(model.forest.trees.count) trees, "
            + "\(model.forest.numFeatures) encoded features) to \(out): \(bytes.count) bytes")
    }
}
