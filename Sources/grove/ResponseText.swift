// ResponseText: renders responses for people (text) and for scripts (JSON).

import Foundation
import GroveForest
import GroveModelStore
import GroveWire

enum ResponseText {
    static func human(_ result: Response.Result) -> String {
        switch result {
        case let .health(h):
            let status = h.status == .serving ? "SERVING"
                : h.status == .notServing ? "NOT_SERVING\(h.reason.isEmpty ? "" : " (\(h.reason))")" : "UNKNOWN"
            // A server with --keys answers Health without a key with the status and reason only.
            guard !h.serverVersion.isEmpty else { return "status: \(status)\n(models available, version and uptime: send a key)" }
            return "status: \(status)\n"
                + "models available: \(h.modelsAvailable)\nserver: grove \(h.serverVersion)\nuptime: \(String(format: "%.1f", h.uptimeSeconds)) s"
        case let .listModels(models):
            if models.isEmpty { return "no models" }
            return models.map { m in
                var lines = ["\(m.name)"]
                for v in m.versions {
                    lines.append("  version \(v.version): \(v.state)\(v.reason.isEmpty ? "" : " (\(v.reason))")")
                }
                for l in m.labels { lines.append("  label \(l.name) -> \(l.version)") }
                return lines.joined(separator: "\n")
            }.joined(separator: "\n")
        case let .modelInfo(i):
            var lines = [
                "model: \(i.name)@\(i.version)", "task: \(i.task)", "target: \(i.target)",
                "trees: \(i.trees)" + (i.ensemble.isEmpty ? "" : " (\(i.ensemble), link \(i.link))"), "calibration: \(i.calibration)", "sha256: \(i.sha256)",
                "signer: \(i.signer.isEmpty ? "(unsigned)" : "\(i.signer), key sha256 \(i.signerKeySHA256)")",
                "created: \(Date(timeIntervalSince1970: Double(i.createdUnixMicros) / 1e6))",
            ]
            if !i.source.isEmpty {
                lines.append("source: \(i.source)" + (i.producer.isEmpty ? "" : ", written by \(i.producer)")
                    + (i.sourceOperator.isEmpty ? "" : ", from \(i.sourceOperator)"))
            }
            if !i.classes.isEmpty {
                lines.append("classes: \(i.classes.joined(separator: ", "))" + (i.positiveClass.map { " (positive: \(i.classes[$0]))" } ?? ""))
            }
            lines.append("metrics: " + i.metrics.map { "\($0.name)=\(format($0.value))" }.joined(separator: " "))
            lines.append("inputs (\(i.inputs.count)):")
            for c in i.inputs {
                switch c.kind {
                case .categorical: lines.append("  \(c.name): categorical [\(c.categories.joined(separator: ", "))]")
                default: lines.append("  \(c.name): numeric (missing -> \(format(c.fillValue)))")
                }
            }
            lines.append("encoded features: \(i.featureNames.count)")
            lines.append("explainable: " + (i.explainable ? "yes (exact TreeSHAP)" : "no (\(i.explainError))"))
            return lines.joined(separator: "\n")
        case let .predict(p):
            var lines = ["model: \(p.model)@\(p.version), rows: \(p.rows)"]
            for r in 0..<Int(p.rows) {
                if p.numClasses > 0 {
                    let label = r < p.classIndex.count ? "class \(p.classIndex[r])" : ""
                    let probs = p.probabilities.isEmpty ? "" :
                        " probabilities [" + (0..<Int(p.numClasses)).map { format(p.probabilities[r * Int(p.numClasses) + $0]) }.joined(separator: ", ") + "]"
                    lines.append("  row \(r): \(label)\(probs)")
                } else if r < p.values.count {
                    lines.append("  row \(r): \(format(p.values[r]))")
                }
            }
            if !p.notes.isEmpty {
                lines.append("notes (\(p.notes.count) input(s) filled in; --strict refuses them):")
                for n in p.notes { lines.append("  \(InputNote(n))") }
            }
            for (r, reasons) in p.reasons.enumerated() {
                lines.append("  row \(r) reasons (\(p.explainedClass)): " + reasons.map { "\($0.column) \(signed($0.contribution))" }.joined(separator: ", "))
            }
            return lines.joined(separator: "\n")
        case let .explain(e):
            var lines = ["model: \(e.model)@\(e.version), explaining \(e.explainedClass.isEmpty ? "the value" : "P(\(e.explainedClass))") (\(e.scale))"]
            for (r, row) in e.rows.enumerated() {
                lines.append("row \(r): prediction \(format(row.prediction)) = base \(format(row.baseValue)) + contributions")
                for (i, reason) in row.reasons.enumerated() {
                    let code = reason.code.isEmpty ? "" : "[\(reason.code)] "
                    lines.append("  reason \(i + 1): \(code)\(reason.text) (\(reason.column) = \(reason.value)) \(signed(reason.contribution))")
                }
                if !row.contributions.isEmpty {
                    let order = row.contributions.indices.sorted { abs(row.contributions[$0]) > abs(row.contributions[$1]) }
                    lines.append("  contributions: " + order.map { "\(e.columns[$0]) \(signed(row.contributions[$0]))" }.joined(separator: ", "))
                }
            }
            return lines.joined(separator: "\n")
        case let .stats(s):
            var lines = [
                "uptime: \(String(format: "%.1f", s.uptimeSeconds)) s",
                "connections: \(s.connectionsOpen) open, \(s.connectionsTotal) total",
                "requests: \(s.requestsTotal), errors: \(s.errorsTotal)",
            ]
            if !s.keyFileError.isEmpty {
                lines.append("KEY FILE REFUSED (\(s.keyReloadFailures) reload(s)); the last valid keys stay in force: \(s.keyFileError)")
            }
            for m in s.models {
                lines.append("  \(m.name)@\(m.version): \(m.requests) requests, \(m.rows) rows, \(m.errors) errors, "
                             + "p50 \(format(m.latencyP50Micros)) µs, p99 \(format(m.latencyP99Micros)) µs, max \(format(m.latencyMaxMicros)) µs")
            }
            return lines.joined(separator: "\n")
        case let .admin(a):
            return a.message + (a.version > 0 ? " (version \(a.version))" : "")
        }
    }

    /// A contribution with its sign, e.g. "+0.0412".
    static func signed(_ v: Double) -> String { String(format: "%+.4f", v) }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.6g", v)
    }

    /// A JSON object for a response: id, status, and the result's fields.
    static func json(_ r: Response) -> String {
        var o: [String: Any] = ["id": r.id, "status": ["code": r.status.code.name, "message": r.status.message]]
        switch r.result {
        case nil: break
        case let .health(h)?:
            o["health"] = ["status": h.status == .serving ? "SERVING" : "NOT_SERVING", "models_available": h.modelsAvailable,
                           "server_version": h.serverVersion, "uptime_seconds": h.uptimeSeconds]
        case let .listModels(ms)?:
            o["models"] = ms.map { m in
                ["name": m.name,
                 "versions": m.versions.map { ["version": $0.version, "state": "\($0.state)", "reason": $0.reason] },
                 "labels": Dictionary(uniqueKeysWithValues: m.labels.map { ($0.name, $0.version) })] as [String: Any]
            }
        case let .modelInfo(i)?:
            o["model_info"] = [
                "name": i.name, "version": i.version, "task": "\(i.task)", "classes": i.classes,
                "positive_class": i.positiveClass.map { i.classes[$0] } as Any? ?? NSNull(),
                "inputs": i.inputs.map { ["name": $0.name, "kind": $0.kind == .categorical ? "categorical" : "numeric",
                                          "categories": $0.categories, "fill_value": safe($0.fillValue)] as [String: Any] },
                "feature_names": i.featureNames,
                "metrics": Dictionary(uniqueKeysWithValues: i.metrics.map { ($0.name, safe($0.value)) }),
                "sha256": i.sha256, "created_unix_micros": i.createdUnixMicros, "trees": i.trees, "target": i.target,
                "signer": i.signer, "signer_key_sha256": i.signerKeySHA256,
                "explainable": i.explainable, "explain_error": i.explainError, "calibration": i.calibration,
                "source": i.source, "producer": i.producer, "ensemble": i.ensemble, "link": i.link,
                "source_operator": i.sourceOperator,
            ] as [String: Any]
        case let .predict(p)?:
            var q: [String: Any] = ["model": p.model, "version": p.version, "rows": p.rows]
            if p.numClasses > 0 {
                q["num_classes"] = p.numClasses
                q["class_index"] = p.classIndex
                if !p.probabilities.isEmpty {
                    let k = Int(p.numClasses)
                    q["probabilities"] = (0..<Int(p.rows)).map { r in (0..<k).map { safe(p.probabilities[r * k + $0]) } }
                }
            } else {
                q["values"] = p.values.map(safe)
            }
            q["notes"] = p.notes.map(InputNote.init).map { n -> [String: Any] in
                var note: [String: Any] = ["row": n.row, "column": n.column, "kind": n.kind.name]
                if n.kind == .unseenCategory { note["value"] = n.value }
                return note
            }
            if !p.reasons.isEmpty {
                q["explained_class"] = p.explainedClass
                q["reasons"] = p.reasons.map { $0.map(reasonObject) }
            }
            o["predict"] = q
        case let .explain(e)?:
            o["explain"] = [
                "model": e.model, "version": e.version, "explained_class": e.explainedClass, "scale": e.scale,
                "rows": e.rows.enumerated().map { i, r in
                    var row: [String: Any] = ["row": i, "prediction": safe(r.prediction), "base_value": safe(r.baseValue),
                                              "reasons": r.reasons.map(reasonObject)]
                    if !r.contributions.isEmpty {
                        row["contributions"] = byName(e.columns, r.contributions)
                    }
                    if !r.featureContributions.isEmpty {
                        row["feature_contributions"] = byName(e.featureNames, r.featureContributions)
                    }
                    return row
                },
            ] as [String: Any]
        case let .stats(s)?:
            o["stats"] = [
                "uptime_seconds": s.uptimeSeconds, "connections_open": s.connectionsOpen,
                "connections_total": s.connectionsTotal, "requests_total": s.requestsTotal, "errors_total": s.errorsTotal,
                "key_reload_failures": s.keyReloadFailures, "key_file_error": s.keyFileError,
                "models": s.models.map { ["name": $0.name, "version": $0.version, "requests": $0.requests, "rows": $0.rows,
                                          "errors": $0.errors, "latency_p50_us": $0.latencyP50Micros,
                                          "latency_p90_us": $0.latencyP90Micros, "latency_p99_us": $0.latencyP99Micros,
                                          "latency_p999_us": $0.latencyP999Micros, "latency_max_us": $0.latencyMaxMicros] as [String: Any] },
            ] as [String: Any]
        case let .admin(a)?:
            o["admin"] = ["message": a.message, "version": a.version, "received": a.received] as [String: Any]
        }
        return JSONText.encode(o)
    }

    static func reasonObject(_ r: ReasonCode) -> [String: Any] {
        ["column": r.column, "contribution": safe(r.contribution), "value": r.value, "code": r.code, "text": r.text]
    }

    /// Contributions keyed by name (`safe` values). Names that repeat (encoded features of a
    /// model learned before training refused such names, or imported; or a faulty server) have
    /// their contributions summed: the object still adds up to the prediction, and nothing traps.
    static func byName(_ names: [String], _ values: [Double]) -> [String: Any] {
        Dictionary(zip(names, values), uniquingKeysWith: +).mapValues(safe)
    }

    /// JSON has no NaN or infinity: those become null.
    static func safe(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
}

enum JSONText {
    static func encode(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }
}
