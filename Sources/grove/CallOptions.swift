// CallOptions: the options shared by `grove call` and `grove frame` that build one request.

import ArgumentParser
import Foundation
import GroveWire

/// Which call to make.
enum CallKind: String, ExpressibleByArgument, CaseIterable {
    case health, models, info, predict, explain, stats
}

struct CallOptions: ParsableArguments {
    @Argument(help: "The call: health, models, info, predict, explain or stats.")
    var call: CallKind

    @Option(help: "Model: NAME, NAME@VERSION or NAME:LABEL (info, predict).")
    var model: String?

    @Option(help: "Dense encoded features, comma separated (one row, or several rows back to back). 'nan' = missing.")
    var features: String?

    @Option(help: "One raw record as a JSON object, e.g. '{\"age\": 35, \"housing\": \"own\"}'. Repeatable.")
    var record: [String] = []

    @Option(help: "A CSV file with a header row: every row becomes a raw record (a batch).")
    var csv: String?

    @Flag(help: "Ask for labels only (no probabilities).")
    var labelsOnly = false

    @Flag(help: "Strict inputs: refuse (INVALID_ARGUMENT) any row the server would have to fill in (missing, absent, unseen category).")
    var strict = false

    @Option(help: "explain: reasons per row (default 4, at most 64); predict: also return this many reasons per row.")
    var top: UInt32?

    @Option(name: .customLong("class"), help: "explain: the class to explain (default: the positive class, else the second of two, else the first).")
    var classLabel: String?

    @Flag(help: "explain: also every encoded feature's contribution.")
    var encodedFeatures = false

    @Option(help: "API key to send.")
    var apiKey = ""

    func selector() throws -> ModelSelector {
        guard let model else { throw ValidationError("--model NAME[@VERSION|:LABEL] is required for '\(call.rawValue)'") }
        guard let s = ModelSelector(parsing: model) else { throw ValidationError("bad --model '\(model)': want NAME, NAME@VERSION or NAME:LABEL") }
        return s
    }

    /// The call this command line describes.
    func makeCall() throws -> Request.Call {
        switch call {
        case .health: return .health
        case .models: return .listModels
        case .stats: return .stats
        case .info: return .modelInfo(try selector())
        case .predict:
            let (dense, records) = try rows()
            return .predict(PredictRequest(model: try selector(), dense: dense, records: records, labelsOnly: labelsOnly,
                                           strict: strict, reasons: top ?? 0))
        case .explain:
            let (dense, records) = try rows()
            return .explain(ExplainRequest(model: try selector(), dense: dense, records: records, topK: top ?? 0,
                                           contributions: true, encodedFeatures: encodedFeatures,
                                           classLabel: classLabel ?? ""))
        }
    }

    /// The rows given by exactly one of --features, --record or --csv.
    private func rows() throws -> (dense: [Double], records: [RawRecord]) {
        let given = (features != nil ? 1 : 0) + (record.isEmpty ? 0 : 1) + (csv != nil ? 1 : 0)
        guard given == 1 else { throw ValidationError("\(call.rawValue) needs exactly one of --features, --record or --csv") }
        if let features {
            return (try features.split(separator: ",").map { raw in
                let t = raw.trimmingCharacters(in: .whitespaces)
                if t.lowercased() == "nan" || t.isEmpty { return .nan }
                guard let v = Double(t) else { throw ValidationError("--features: '\(t)' is not a number") }
                return v
            }, [])
        }
        if !record.isEmpty { return ([], try record.map(Self.parseRecord)) }
        return ([], try CSVRecords.read(path: csv ?? ""))
    }

    /// A JSON object as a raw record: numbers, strings, and null for missing.
    static func parseRecord(_ json: String) throws -> RawRecord {
        guard let data = json.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("--record must be a JSON object, e.g. '{\"age\": 35, \"housing\": \"own\"}'")
        }
        return RawRecord(try object.keys.sorted().map { key in
            switch object[key] {
            case let n as NSNumber: return RawField(key, .number(n.doubleValue))
            case let s as String: return RawField(key, .text(s))
            case is NSNull: return RawField(key, .missing)
            default: throw ValidationError("--record: '\(key)' must be a number, a string or null")
            }
        })
    }
}
