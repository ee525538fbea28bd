// grove explain: exact SHAP values and reason codes for every row of a CSV file, offline.

import ArgumentParser
import Foundation
import GroveForest
import GroveServer

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain every row of a CSV file with a published model: SHAP values per input column and reason codes.",
        discussion: """
            Exact path-dependent TreeSHAP with the training cover. Classification explains the probability of the \
            positive class (else the second of two classes, else the first; or --class); reasons are the input \
            columns pushing it up most, largest first, worded from REPO/NAME/reasons (CSV column,code,text) when \
            present. CSV output: row, prediction, base_value, one column per input column, then reason_1..reason_K (column names). --json: one object per row with row, \
            prediction, base_value, contributions (column -> value) and reasons (column, contribution, value, code, text). \
            SHAP values explain the forest's own probability: base_value + contributions = prediction. For a model \
            trained with --calibrate, calibrated_prediction (what the model serves) and calibrated_base_value (the \
            reference point mapped the same way) follow base_value; the calibration is monotone, so contributions keep \
            their direction and the reasons their order, but they add up to the uncalibrated prediction.
            """)

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var name: String
    @Option(help: "Version (default: latest).") var version: UInt64?
    @Option(help: "Input CSV (a target column, if present, is ignored).") var data: String
    @Option(help: "Reasons per row (at most 64).") var top: Int = ModelExplainer.defaultTopK
    @Option(name: .customLong("class"), help: "Class to explain (default: the positive class, else the second of two, else the first).") var classLabel: String?
    @Option(help: "Output file (default: stdout).") var out: String?
    @Option(help: "Threads (default: all cores).") var threads: Int = 0
    @Flag(help: "Write JSON lines instead of CSV.") var json = false

    func run() throws {
        guard top >= 0 && top <= ModelExplainer.maxTopK else {
            throw ValidationError("--top must be between 0 and \(ModelExplainer.maxTopK)")
        }
        let model = try ModelFileLoader.load(repo: repo, name: name, version: version)
        let table: DataTable
        do { table = try CSVReader.read(path: data) } catch { throw ValidationError("\(data): \(error)") }
        let explainer: ModelExplainer
        let output: Int
        do {
            explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
            output = try explainer.output(forClass: classLabel)
        } catch {
            throw ValidationError("\(name)@\(model.version) cannot be explained: \(error)")
        }
        let catalog = try Explain.catalog(repo: repo, name: name)
        let rows: [RowExplanation]
        do {
            let x = try model.preprocessing.encode(table: table)
            let records = Explain.records(table, excluding: model.preprocessing.target)
            rows = try explainer.explain(matrix: x, records: records, output: output, topK: top, catalog: catalog,
                                         threads: threads)
        } catch {
            throw ValidationError("explanation failed: \(error)")
        }
        let columns = model.preprocessing.columns.map(\.name)
        let calibrated = Explain.calibration(of: model, output: output)
        var text = ""
        if json {
            for (i, r) in rows.enumerated() {
                var o = Explain.object(r, row: i, columns: columns)
                if let f = calibrated {
                    o["calibrated_prediction"] = f(r.prediction)
                    o["calibrated_base_value"] = f(r.baseValue)
                }
                text += JSONText.encode(o) + "\n"
            }
        } else {
            let extra = calibrated == nil ? [] : ["calibrated_prediction", "calibrated_base_value"]
            text += (["row", "prediction", "base_value"] + extra + columns + (0..<top).map { "reason_\($0 + 1)" })
                .map(CSVText.field).joined(separator: ",") + "\n"
            for (i, r) in rows.enumerated() {
                var fields = [String(i), String(r.prediction), String(r.baseValue)]
                if let f = calibrated { fields += [String(f(r.prediction)), String(f(r.baseValue))] }
                fields += r.columns.map { String($0) }
                fields += (0..<top).map { $0 < r.reasons.count ? CSVText.field(r.reasons[$0].column) : "" }
                text += fields.joined(separator: ",") + "\n"
            }
        }
        if let out {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write \(out): \(error)") }
        } else {
            FileHandle.standardOutput.write(text.data(using: .utf8)!)
        }
    }

    /// The model's reason codes from REPO/NAME/reasons (none without the file).
    static func catalog(repo: String, name: String) throws -> ReasonCatalog {
        let path = URL(fileURLWithPath: repo, isDirectory: true).appendingPathComponent(name)
            .appendingPathComponent(ModelRegistry.reasonsFileName).path
        guard FileManager.default.fileExists(atPath: path) else { return ReasonCatalog() }
        do {
            let bytes = try CSVReader.readFile(path: path)
            return try ReasonCatalog(csv: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }

    /// Each table row as a raw record (for the reasons' value texts), without the target.
    static func records(_ table: DataTable, excluding target: String) -> [[RecordField]] {
        let columns = table.columns.filter { $0.name != target }
        return (0..<table.rowCount).map { r in columns.map { RecordField(name: $0.name, value: $0.value(at: r)) } }
    }

    /// For a calibrated model: the map from the forest's probability of class `output` to the
    /// calibrated probability of that class (what the model serves); nil when uncalibrated.
    static func calibration(of model: TrainedModel, output: Int) -> ((Double) -> Double)? {
        let c = model.calibration
        guard c.method != .none else { return nil }
        return output == model.calibratedClass ? { c.apply($0) } : { 1 - c.apply(1 - $0) }
    }

    /// One row as the JSON object `grove explain --json` prints.
    static func object(_ r: RowExplanation, row: Int, columns: [String]) -> [String: Any] {
        var contributions: [String: Double] = [:]
        for (c, v) in zip(columns, r.columns) { contributions[c] = v }
        return [
            "row": row, "prediction": r.prediction, "base_value": r.baseValue, "contributions": contributions,
            "reasons": r.reasons.map { ["column": $0.column, "contribution": $0.contribution, "value": $0.value,
                                        "code": $0.code, "text": $0.text] as [String: Any] },
        ]
    }
}
