// grove evaluate: scores a published model on a labelled CSV file.

import ArgumentParser
import Foundation
import GroveForest

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
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
        let importance: [(column: String, shap: Double, impurity: Double)]?
        do {
            importance = try Evaluate.importance(model, table: table, threads: threads)
        } catch let error as ExplanationError {
            // The metrics stand without it: a note (on stderr, so --json stays one object), no importance.
            FileHandle.standardError.write("grove evaluate: no importance: \(model.name)@\(model.version) cannot be explained: \(error)\n".data(using: .utf8)!)
            importance = nil
        }
        if json {
            var o = MetricText.object(metrics)
            o["name"] = model.name
            o["version"] = model.version
            o["rows"] = table.rowCount
            if let importance {
                o["importance"] = importance.map { ["column": $0.column, "mean_abs_shap": $0.shap, "impurity": $0.impurity] as [String: Any] }
            }
            print(JSONText.encode(o))
        } else {
            print("\(model.name)@\(model.version) on \(data) (\(table.rowCount) rows):")
            print(MetricText.lines(metrics))
            if let importance {
                print("importance per input column (mean |SHAP| over these rows; impurity importance beside it):")
                for c in importance {
                    print("  \(c.column.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%.4f", c.shap))   \(String(format: "%.4f", c.impurity))")
                }
            }
        }
    }

    /// Mean |SHAP| per input column over the table's rows (the explained output:
    /// `ModelExplainer.defaultOutput`), largest first, with the impurity importance summed per
    /// column. Throws `ExplanationError` when the model cannot be explained (no node cover, a
    /// tree too deep, ...), which the caller reports as a note beside the metrics.
    static func importance(_ model: TrainedModel, table: DataTable, threads: Int) throws -> [(column: String, shap: Double, impurity: Double)] {
        let explainer: ModelExplainer
        do {
            explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        } catch let error as ExplanationError {
            throw error
        } catch {
            throw ValidationError("\(model.name)@\(model.version) cannot be explained: \(error)")
        }
        let rows: [RowExplanation]
        do {
            let x = try model.preprocessing.encode(table: table)
            rows = try explainer.explain(matrix: x, output: explainer.defaultOutput, topK: 0, threads: threads)
        } catch let error as ExplanationError {
            throw error
        } catch {
            throw ValidationError("explanation failed: \(error)")
        }
        let columns = model.preprocessing.columns
        var shap = [Double](repeating: 0, count: columns.count)
        for r in rows { for c in 0..<columns.count { shap[c] += abs(r.columns[c]) } }
        let impurity = model.forest.featureImportance.withUnsafeBufferPointer { explainer.group($0) }
        return columns.indices.map { c in
            (columns[c].name, rows.isEmpty ? 0 : shap[c] / Double(rows.count), c < impurity.count ? impurity[c] : 0)
        }.sorted { $0.shap != $1.shap ? $0.shap > $1.shap : $0.column < $1.column }
    }
}
