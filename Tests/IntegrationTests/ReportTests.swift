// ReportTests: `grove report` writes every section, its numbers equal `grove evaluate`'s, its
// JSON carries the same figures, and a training file that is not the model's is refused.

import Foundation
import Testing

@Suite(.serialized) struct ReportTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func reportHasEverySectionAndEvaluatesNumbers() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first (swift build --build-tests builds it)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A split of the bundled German data: 800 rows to train on, 200 to report on.
        let lines = try String(contentsOf: Fixtures.root.appendingPathComponent("data/german_credit.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true)
        let train = dir.appendingPathComponent("train.csv"), test = dir.appendingPathComponent("test.csv")
        try (lines[0...800].joined(separator: "\n") + "\n").write(to: train, atomically: true, encoding: .utf8)
        try ([lines[0]] + lines[801...]).joined(separator: "\n").appending("\n").write(to: test, atomically: true, encoding: .utf8)
        let repo = dir.appendingPathComponent("repo").path
        let (trained, _, trainErr) = try Fixtures.runGrove(["train", "--data", train.path, "--target", "creditability", "--positive", "bad",
                                                     "--trees", "30", "--calibrate", "platt", "--test-fraction", "0",
                                                     "--repo", repo, "--name", "german", "--json"])
        #expect(trained == 0, "\(trainErr)")

        let html = dir.appendingPathComponent("report.html").path
        let (status, _, err) = try Fixtures.runGrove(["report", "--repo", repo, "--name", "german", "--data", test.path,
                                               "--train-data", train.path, "--out", html])
        #expect(status == 0, "\(err)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        for id in ["identity", "metrics", "curves", "reliability", "distributions", "confusion", "importance", "stability", "notes"] {
            #expect(page.contains("<section id=\"\(id)\">"), "missing section \(id)")
        }
        #expect(!page.contains("<script"), "the page must run no scripts")
        // The only URLs are SVG namespace names (never fetched).
        let urls = page.components(separatedBy: "://").count - 1
        let namespaces = page.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(urls == namespaces, "the page must fetch nothing")

        let (e, evalOut, _) = try Fixtures.runGrove(["evaluate", "--repo", repo, "--name", "german", "--data", test.path, "--json"])
        #expect(e == 0)
        let evaluated = try Self.json(evalOut)
        let (j, reportOut, jErr) = try Fixtures.runGrove(["report", "--repo", repo, "--name", "german", "--data", test.path,
                                                   "--train-data", train.path, "--json"])
        #expect(j == 0, "\(jErr)")
        let report = try Self.json(reportOut)
        let metrics = try #require(report["metrics"] as? [String: Any])
        for name in ["auc", "accuracy", "log_loss", "brier", "precision", "recall", "f1"] {
            let a = try #require(evaluated[name] as? Double), b = try #require(metrics[name] as? Double)
            #expect(a == b, "\(name): evaluate \(a), report \(b)")
            #expect(page.contains(String(format: "%.4f", a)), "\(name) \(a) is not on the page")
        }
        let auc = try #require(evaluated["auc"] as? Double)
        #expect(abs((metrics["gini"] as? Double ?? 0) - (2 * auc - 1)) < 1e-12)
        let ks = try #require(metrics["ks"] as? Double)
        #expect(ks > 0.2 && ks < 1)
        let psi = try #require(report["psi"] as? [[String: Any]])
        #expect(psi.count == 21)  // 20 input columns and the score
        #expect(psi.last?["column"] as? String == "score")
        let confusion = try #require(report["confusion"] as? [String: Int])
        #expect(confusion.values.reduce(0, +) == 200)
        let model = try #require(report["model"] as? [String: Any])
        #expect((model["parameters"] as? [String: String])?["calibration"] == "platt")

        // Explanations of a calibrated model: SHAP adds up to the forest's own probability, and
        // calibrated_prediction is what the model serves (grove predict's p_bad).
        let (x, explained, xErr) = try Fixtures.runGrove(["explain", "--repo", repo, "--name", "german", "--data", test.path, "--json"])
        #expect(x == 0, "\(xErr)")
        let first = try Self.json(String(explained.split(separator: "\n")[0]))
        let contributions = try #require(first["contributions"] as? [String: Double])
        let prediction = try #require(first["prediction"] as? Double), base = try #require(first["base_value"] as? Double)
        #expect(abs(base + contributions.values.reduce(0, +) - prediction) < 1e-9)
        let calibrated = try #require(first["calibrated_prediction"] as? Double)
        #expect(first["calibrated_base_value"] is Double)
        let (pr, predicted, _) = try Fixtures.runGrove(["predict", "--repo", repo, "--name", "german", "--data", test.path])
        #expect(pr == 0)
        let header = predicted.split(separator: "\n")[0].split(separator: ","), row0 = predicted.split(separator: "\n")[1].split(separator: ",")
        let column = try #require(header.firstIndex(of: "p_bad"))
        let served = try #require(Double(String(row0[column])))
        #expect(abs(served - calibrated) < 1e-12, "served \(served), explain's calibrated \(calibrated)")
        #expect(abs(served - prediction) > 1e-6, "Platt should move the probability")

        // A training file that is not the model's is refused by its SHA-256.
        let (refused, _, why) = try Fixtures.runGrove(["report", "--repo", repo, "--name", "german", "--data", test.path,
                                                "--train-data", test.path, "--out", html])
        #expect(refused != 0)
        #expect(why.contains("SHA-256"))
    }
}
