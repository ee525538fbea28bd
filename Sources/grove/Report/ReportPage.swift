// ReportPage: the model report as one self-contained, printable HTML page.

import Foundation
import GroveForest

enum ReportPage {
    /// Section ids, in page order (the tests check that each is present).
    static let sections = ["identity", "metrics", "curves", "reliability", "distributions", "confusion", "importance", "stability", "notes"]

    static func html(_ r: ModelReport, _ id: ReportIdentity) -> String {
        let e = SVGChart.esc
        let m = id.model
        func metric(_ name: String) -> Double { r.metrics.first { $0.name == name }?.value ?? .nan }
        func num(_ v: Double, _ digits: Int = 4) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "n/a" }
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <title>Model report: \(e(m.name)) version \(m.version)</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#111;line-height:1.4}
        h1{font-size:24px;margin-bottom:4px} h2{font-size:18px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:28px}
        table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}
        th{background:#f3f3f3} td.n{text-align:right;font-variant-numeric:tabular-nums} code{font-size:12px;word-break:break-all}
        .charts{display:flex;flex-wrap:wrap;gap:16px} .muted{color:#555;font-size:13px}
        .ok{background:#e6f4ea} .warn{background:#fff4d6} .bad{background:#fde2e1}
        section{page-break-inside:avoid} @media print{body{margin:0}}
        </style></head><body>
        <h1>Model report: \(e(m.name)) version \(m.version)</h1>
        <p class="muted">Two-class model; positive class <b>\(e(r.positiveClass))</b>. Scored on \(r.rows) labelled rows of <code>\(e(id.dataPath))</code> (\(r.positives) positive, \(num(Double(r.positives) / Double(max(r.rows, 1)) * 100, 1)) %). Produced by grove report.</p>

        """
        // Identity
        h += "<section id=\"identity\"><h2>1. Data and model identity</h2><table>"
        let rows: [(String, String)] = [
            ("model file", "<code>\(e(id.modelPath))</code>"), ("model SHA-256", "<code>\(id.modelSHA256)</code>"),
            ("producer", e(m.producer)),
            ("created (UTC)", e(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(m.createdUnixMicros) / 1e6)))),
            ("training data SHA-256", "<code>\(m.trainingDataSHA256.map { String(format: "%02x", $0) }.joined())</code>"),
            ("training rows", "\(m.trainingRows)"), ("target", e(m.preprocessing.target)),
            ("input columns", "\(m.preprocessing.columns.count) (\(m.preprocessing.columns.filter { $0.kind == .numeric }.count) numeric, \(m.preprocessing.columns.filter { $0.kind == .categorical }.count) categorical) → \(m.forest.numFeatures) encoded features"),
            ("report data", "<code>\(e(id.dataPath))</code>: \(r.rows) rows, \(id.dataColumns) columns"),
            ("report data SHA-256", "<code>\(id.dataSHA256)</code>"),
            ("training data for PSI", e(id.trainingNote)),
        ]
        for (k, v) in rows { h += "<tr><th>\(k)</th><td>\(v)</td></tr>" }
        h += "</table><table><tr><th colspan=\"2\">training parameters</th></tr>"
        for (k, v) in id.parameters { h += "<tr><td>\(k)</td><td>\(e(v))</td></tr>" }
        h += "</table></section>\n"

        // Metrics
        h += "<section id=\"metrics\"><h2>2. Held-out metrics</h2><table><tr><th>metric</th><th>value</th><th>what it means</th></tr>"
        let explained: [(String, Double, String)] = [
            ("AUC", metric("auc"), "Probability that a random \(r.positiveClass) row scores above a random \(r.negativeClass) row (0.5 = chance, 1 = perfect ranking)."),
            ("Gini", r.gini, "2·AUC − 1, the banking convention for ranking power (0 = chance, 1 = perfect)."),
            ("KS", r.curves.ks, "Kolmogorov–Smirnov: the largest gap between the two classes' cumulative score distributions (reached at score \(num(r.curves.ksThreshold, 3)))."),
            ("log loss", metric("log_loss"), "Mean −ln of the probability given to the true class: punishes confident mistakes; lower is better."),
            ("Brier", metric("brier"), "Mean squared error of the \(r.positiveClass) probability; lower is better (predicting the base rate gives \(num(Double(r.positives) / Double(max(r.rows, 1)) * (1 - Double(r.positives) / Double(max(r.rows, 1)))))."),
            ("accuracy at \(num(r.threshold, 2))", r.confusion.accuracy, "Share of rows whose call (\(r.positiveClass) when the score ≥ \(num(r.threshold, 2))) is right."),
            ("accuracy (most probable class)", metric("accuracy"), "As grove evaluate reports it."),
            ("precision / recall / F1", metric("precision"), "For \(r.positiveClass): precision \(num(metric("precision"))), recall \(num(metric("recall"))), F1 \(num(metric("f1"))) (most probable class)."),
            ("average precision", r.curves.averagePrecision, "Area under the precision–recall curve (step-wise); the base rate is \(num(Double(r.positives) / Double(max(r.rows, 1))))."),
        ]
        for (k, v, what) in explained { h += "<tr><td>\(e(k))</td><td class=\"n\">\(num(v))</td><td>\(e(what))</td></tr>" }
        h += "</table><p class=\"muted\">Recorded at training: " + m.metrics.map { "\(e($0.name)) \(num($0.value))" }.joined(separator: ", ")
        h += ". Out-of-bag figures come from the training rows each tree did not draw.</p></section>\n"

        // Curves
        h += "<section id=\"curves\"><h2>3. ROC and precision–recall curves</h2><div class=\"charts\">"
        h += SVGChart.lines(title: "ROC (AUC \(num(metric("auc"), 3)))", xLabel: "false positive rate", yLabel: "true positive rate",
                            series: [.init(name: "model", color: "#1f77b4", points: BinaryCurves.thinned(r.curves.roc, to: 400))],
                            diagonal: true)
        h += SVGChart.lines(title: "Precision–recall (AP \(num(r.curves.averagePrecision, 3)))", xLabel: "recall", yLabel: "precision",
                            series: [.init(name: "model", color: "#d62728", points: BinaryCurves.thinned(r.curves.precisionRecall, to: 400)),
                                     .init(name: "base rate", color: "#999", points: [(0, Double(r.positives) / Double(max(r.rows, 1))), (1, Double(r.positives) / Double(max(r.rows, 1)))])],
                            diagonal: false)
        h += "</div></section>\n"

        // Reliability
        func pts(_ bins: [ReliabilityBin]) -> [(Double, Double)] { bins.filter { $0.count > 0 }.map { ($0.meanPredicted, $0.observedRate) } }
        h += "<section id=\"reliability\"><h2>4. Reliability (calibration)</h2><div class=\"charts\">"
        var series: [SVGChart.Series] = [.init(name: "this data (as served)", color: "#1f77b4", points: pts(r.reliability), dots: true)]
        if !m.outOfBagReliability.isEmpty {
            series.append(.init(name: "out-of-bag at training (forest)", color: "#ff7f0e", points: pts(m.outOfBagReliability), dots: true))
        }
        h += SVGChart.lines(title: "Predicted vs observed \(r.positiveClass) rate", xLabel: "mean predicted probability",
                            yLabel: "observed rate", series: series, diagonal: true)
        h += "<table><tr><th>bin</th><th>rows</th><th>mean predicted</th><th>observed</th></tr>"
        for b in r.reliability where b.count > 0 {
            h += "<tr><td>\(num(b.lower, 1))–\(num(b.upper, 1))</td><td class=\"n\">\(b.count)</td><td class=\"n\">\(num(b.meanPredicted, 3))</td><td class=\"n\">\(num(b.observedRate, 3))</td></tr>"
        }
        h += "</table></div><p class=\"muted\">Points on the diagonal mean the probabilities can be used as they are (e.g. as PD in expected loss = PD × LGD × EAD). Expected calibration error on this data: \(num(ReliabilityBin.expectedCalibrationError(r.reliability))). Calibration applied by the model: <b>\(m.calibration.method.rawValue)</b>"
        h += m.calibration.method == .none ? " (train with <code>--calibrate isotonic</code> or <code>platt</code> to fit one on out-of-bag predictions)." : " (fitted on the training rows' out-of-bag predictions, never on held-out rows)."
        h += "</p></section>\n"

        // Distributions
        h += "<section id=\"distributions\"><h2>5. Score distributions</h2><div class=\"charts\">"
        h += SVGChart.histogram(title: "Score by actual class", xLabel: "predicted \(r.positiveClass) probability",
                                groups: [(r.positiveClass, "#d62728", r.positiveHistogram), (r.negativeClass, "#1f77b4", r.negativeHistogram)])
        h += "</div><p class=\"muted\">Each class's scores as shares of that class (20 bins). The further apart, the better the separation (KS \(num(r.curves.ks, 3))).</p></section>\n"

        // Confusion
        let c = r.confusion
        h += "<section id=\"confusion\"><h2>6. Confusion matrix at threshold \(num(r.threshold, 2))</h2><table>"
        h += "<tr><th></th><th>called \(e(r.positiveClass))</th><th>called \(e(r.negativeClass))</th></tr>"
        h += "<tr><th>actual \(e(r.positiveClass))</th><td class=\"n ok\">\(c.truePositives)</td><td class=\"n bad\">\(c.falseNegatives)</td></tr>"
        h += "<tr><th>actual \(e(r.negativeClass))</th><td class=\"n bad\">\(c.falsePositives)</td><td class=\"n ok\">\(c.trueNegatives)</td></tr>"
        h += "</table><p class=\"muted\">A row is called \(e(r.positiveClass)) when its score is at least \(num(r.threshold, 2)) (<code>--threshold</code>). Accuracy \(num(c.accuracy)).</p></section>\n"

        // Importance
        let top = Array(r.importances.prefix(20))
        h += "<section id=\"importance\"><h2>7. Feature importance</h2><div class=\"charts\">"
        h += SVGChart.bars(title: "Permutation: AUC lost when the column is shuffled", items: top.map { ($0.column, $0.permutation) }, color: "#2ca02c", format: "%.4f")
        if top.contains(where: { $0.meanAbsSHAP.isFinite }) {
            h += SVGChart.bars(title: "Mean |SHAP| (probability points, forest score)", items: top.map { ($0.column, $0.meanAbsSHAP) }, color: "#ff7f0e", format: "%.4f")
        }
        h += SVGChart.bars(title: "Impurity (training, share of total)", items: top.map { ($0.column, $0.impurity) }, color: "#9467bd")
        h += "</div><p class=\"muted\">Per input column (a categorical column's indicators together), ordered by permutation importance. Permutation importance and mean |SHAP| (exact TreeSHAP, up to \(ModelReport.maxExplainedRows) rows) are measured on this data; SHAP values explain the forest's own probability, before calibration. Impurity importance comes from the training trees and favours columns with many distinct values.</p></section>\n"

        // Stability
        h += "<section id=\"stability\"><h2>8. Population stability (training data → this data)</h2>"
        if r.stability.isEmpty {
            h += "<p>\(e(id.trainingNote)).</p>"
        } else {
            h += "<table><tr><th>column</th><th>PSI</th><th>reading</th><th>bins</th></tr>"
            let ordered = r.stability.filter { $0.name == "score" } + r.stability.filter { $0.name != "score" }.sorted { $0.index > $1.index }
            for s in ordered {
                let cls = s.index < 0.1 ? "ok" : s.index < 0.25 ? "warn" : "bad"
                h += "<tr><td>\(s.name == "score" ? "<b>score</b>" : e(s.name))</td><td class=\"n \(cls)\">\(num(s.index))</td><td class=\"\(cls)\">\(s.verdict)</td><td class=\"n\">\(s.bins.count)</td></tr>"
            }
            h += "</table><p class=\"muted\">PSI = Σ (actual% − expected%) · ln(actual% / expected%) over deciles of the training values (numeric; missing is its own bin) or categories (unseen ones pooled as “other”). Below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift.</p>"
        }
        h += "</section>\n"

        // Notes
        h += """
        <section id="notes"><h2>9. How these numbers were made</h2><ul class="muted">
        <li>Scores are the model's probabilities for \(e(r.positiveClass)) exactly as the server returns them (calibration included); the metrics are those of <code>grove evaluate</code> on the same file.</li>
        <li>Only rows the model did not train on give honest held-out figures: pass the held-out split, not the training file.</li>
        <li>Permutation importance shuffles each column once with seed 42; differences below about 0.005 AUC are noise on a few hundred rows.</li>
        </ul></section>
        </body></html>

        """
        return h
    }
}
