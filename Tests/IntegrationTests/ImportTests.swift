// ImportTests: `grove import --onnx` (the real executable) publishes an XGBoost model that the server
// serves with onnxruntime's answers, ModelInfo naming its source, and explanations once cover is counted.

import Foundation
import GroveClient
import GroveWire
import Testing

@Suite struct ImportTests {
    static let fixtures = Fixtures.root.appendingPathComponent("Tests/GroveONNXTests/Fixtures")

    /// Runs `grove ARGS`; returns stdout, throwing with stderr on a non-zero exit.
    static func grove(_ arguments: [String]) throws -> String {
        let run = try Fixtures.runGrove(arguments)
        guard run.status == 0 else {
            throw ClientFailure("grove \(arguments.joined(separator: " ")) failed: \(run.stderr)")
        }
        return run.stdout
    }

    /// The fixture's rows (features), onnxruntime's probabilities, and a CSV of the rows headed by the column names.
    static func rows(_ name: String) throws -> (rows: [[Double]], ort: [[Double]], csv: URL) {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name + ".csv"), encoding: .utf8)
        let columns = try String(contentsOf: fixtures.appendingPathComponent(name + ".columns"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let lines = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        let f = columns.count
        let rows = lines.map { $0.prefix(f).map { Double($0)! } }
        let ort = lines.map { l in (0..<2).map { Double(l[f + 2 + $0])! } }
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("grove-import-\(UUID().uuidString).csv")
        let body = ([columns.joined(separator: ",")] + lines.map { $0.prefix(f).map { $0 == "nan" ? "" : $0 }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
        try body.write(to: csv, atomically: true, encoding: .utf8)
        return (rows, ort, csv)
    }

    @Test func anImportedXGBoostModelIsServedAndExplained() throws {
        let (rows, ort, csv) = try Self.rows("xgboost_binary_nan")
        defer { try? FileManager.default.removeItem(at: csv) }
        var printed = ""
        let s = try TestServer { repo in
            printed = try Self.grove(["import", "--onnx", Self.fixtures.appendingPathComponent("xgboost_binary_nan.onnx").path,
                                      "--repo", repo.path, "--name", "xgb",
                                      "--columns", Self.fixtures.appendingPathComponent("xgboost_binary_nan.columns").path,
                                      "--positive", "1", "--cover-data", csv.path, "--json"])
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any])
        #expect(json["version"] as? Int == 1 && json["trees"] as? Int == 25 && json["cover_rows"] as? Int == rows.count)
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let info = try client.modelInfo(ModelSelector(name: "xgb"))
        #expect(info.source == "onnx" && info.producer.hasPrefix("OnnxMLTools") && info.ensemble == "sum" && info.link == "logistic")
        #expect(info.sourceOperator == "ai.onnx.ml.TreeEnsembleClassifier (ai.onnx.ml opset 1)")
        #expect(info.classes == ["0", "1"] && info.positiveClass == 1 && info.inputs.map(\.name).first == "x0")
        #expect(info.explainable, "\(info.explainError)")
        let answer = try client.predict(ModelSelector(name: "xgb"), dense: rows.flatMap { $0 })
        for (r, expected) in ort.enumerated() {
            for j in 0..<2 { #expect(abs(answer.probabilities[r * 2 + j] - expected[j]) <= 1e-6, "row \(r)") }
        }
        // grove predict reads the same rows by header (missing cells stay missing).
        let predicted = try Self.grove(["predict", "--repo", s.repository.path, "--name", "xgb", "--data", csv.path])
        let lines = predicted.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(lines.count == rows.count)
        for (r, l) in lines.enumerated() { #expect(abs(Double(l[1])! - ort[r][1]) <= 1e-6, "grove predict row \(r)") }
    }

    @Test func withoutCoverExplainNamesTheFix() throws {
        let s = try TestServer { repo in
            _ = try Self.grove(["import", "--onnx", Self.fixtures.appendingPathComponent("sklearn_rf_regressor.onnx").path,
                                "--repo", repo.path, "--name", "amount"])
        }
        let info = try GroveClient("127.0.0.1:\(s.port)").modelInfo(ModelSelector(name: "amount"))
        #expect(info.task == .regression && info.producer.hasPrefix("skl2onnx") && info.inputs.first?.name == "f0")
        #expect(!info.explainable && info.explainError.contains("--cover-data"), "\(info.explainError)")
    }

    @Test func aRefusedFileNamesTheOperator() throws {
        #expect { _ = try Self.grove(["import", "--onnx", Self.fixtures.appendingPathComponent("bad_operator.onnx").path,
                                      "--repo", FileManager.default.temporaryDirectory.path, "--name", "bad"]) } throws: { e in
            "\(e)".contains("the operator Abs")
        }
    }
}
