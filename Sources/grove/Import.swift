// grove import: publishes a tree ensemble exported to ONNX as the next version of a model.

import ArgumentParser
import Foundation
import GroveForest
import GroveModelStore
import GroveONNX

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a tree ensemble from ONNX (scikit-learn, XGBoost, LightGBM, Spark) and publish it as REPO/NAME/<next version>.",
        discussion: """
        The file's work must be one ai.onnx.ml TreeEnsembleClassifier or TreeEnsembleRegressor (opset 1-4) or \
        TreeEnsemble (opset 5), with the Cast, Identity, ZipMap and ArgMax nodes converters add around it. Grove then \
        answers as the file does (comparisons, missing-value directions, base values, post transform), in its own engine. \
        The model takes the ensemble's numeric feature vector; callers send dense rows, or records named by --columns \
        (one name per line), by the file's feature_names metadata, or f0, f1, ... Missing values go where the trees send \
        them. --cover-data counts each node's cover from representative rows (a CSV whose header names the columns), \
        which explanations need.
        """)

    @Option(help: "The ONNX file.") var onnx: String
    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name (letters, digits, '.', '_', '-').") var name: String
    @Option(help: "Column names, one per line, in the ensemble's feature order.") var columns: String?
    @Option(help: "Class label to record as the positive class.") var positive: String?
    @Option(help: "CSV of representative rows to count node cover (for explanations).") var coverData: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard ModelRepository.isValidName(name) else {
            throw ValidationError("invalid --name '\(name)': use letters, digits, '.', '_' and '-'")
        }
    }

    func run() throws {
        let limits = OnnxLimits()
        let bytes = try Self.read(onnx, limit: limits.maxFileBytes)
        var names: [String]? = nil
        if let columns {
            let text = String(decoding: try Self.read(columns, limit: 64 << 20), as: UTF8.self)
            names = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
            if names?.last == "" { names?.removeLast() }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        var imported: OnnxImporter.Imported
        do {
            imported = try OnnxImporter.importModel(bytes, options: .init(name: name, columns: names, positiveLabel: positive,
                                                                          createdUnixMicros: now, limits: limits))
        } catch {
            throw ValidationError("\(onnx): \(error.description)")
        }
        var model = imported.model
        var source = imported.source
        if let coverData {
            let table: DataTable
            do { table = try CSVReader.read(path: coverData) } catch { throw ValidationError("\(coverData): \(error)") }
            do {
                let x = try model.preprocessing.encode(table: table)
                model.forest = try model.forest.withCover(counting: x)
                source.coverRows = UInt64(table.rowCount)
            } catch {
                throw ValidationError("\(coverData): cannot count cover: \(error)")
            }
        }
        model.source = source
        let (version, file) = try ModelRepository.publish(model, repository: URL(fileURLWithPath: repo, isDirectory: true))
        let sha = ModelFileCodec.sha256Hex([UInt8](try Data(contentsOf: file)))
        let producer = "\(source.producerName) \(source.producerVersion)".trimmingCharacters(in: .whitespaces)
        if json {
            var o: [String: Any] = [:]
            o["name"] = name
            o["version"] = version
            o["path"] = file.path
            o["sha256"] = sha
            o["task"] = model.task.rawValue
            o["trees"] = model.forest.trees.count
            o["features"] = model.forest.numFeatures
            o["classes"] = model.preprocessing.classes
            o["producer"] = producer
            o["operator"] = "\(source.operatorName) (ai.onnx.ml opset \(source.opset))"
            o["ensemble"] = model.forest.aggregation.rawValue
            o["link"] = model.forest.link.rawValue
            o["compares_as_float32"] = source.comparesAsFloat32
            o["cover_rows"] = source.coverRows
            print(JSONText.encode(o))
        } else {
            print("imported \(name) version \(version): \(model.task), \(model.forest.trees.count) trees, "
                + "\(model.forest.numFeatures) features, from \(producer.isEmpty ? "an unnamed producer" : producer) "
                + "(\(source.operatorName), ai.onnx.ml opset \(source.opset))")
            print("  ensemble: \(model.forest.aggregation.rawValue), link: \(model.forest.link.rawValue)"
                + (source.comparesAsFloat32 ? ", inputs compared as float32" : ""))
            if !model.preprocessing.classes.isEmpty { print("  classes: \(model.preprocessing.classes.joined(separator: ", "))") }
            print(source.coverRows > 0 ? "  node cover: counted from \(source.coverRows) rows (explainable)"
                                       : "  node cover: none (import again with --cover-data FILE.csv to explain it)")
            print("  file: \(file.path)")
            print("  sha256: \(sha)")
        }
    }

    /// The bytes of `path`, refusing files above `limit` before reading them.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw ValidationError("cannot read \(path)") }
        guard size <= limit else { throw ValidationError("\(path) is \(size) bytes, above the maximum of \(limit)") }
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch { throw ValidationError("cannot read \(path): \(error)") }
    }
}
