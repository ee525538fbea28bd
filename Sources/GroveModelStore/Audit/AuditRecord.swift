// AuditRecord: who was scored, by which model, with what result; one JSON line in the audit log.

import Foundation
import GroveWire

public struct AuditRecord: Sendable, Equatable {
    /// UTC time of the answer, microseconds since the Unix epoch.
    public var timeMicros: Int64
    public var requestID: UInt64
    /// Client address "host:port".
    public var client: String
    /// API key id, or "-" without keys.
    public var keyID: String
    public var model: String
    public var version: UInt64
    /// SHA-256 of the model file (hex).
    public var modelSHA256: String
    /// SHA-256 of the request's frame body (hex): identifies the input without storing it.
    public var inputSHA256: String
    public var rows: UInt32
    /// Per row: predicted class index (classification) ...
    public var classIndex: [UInt32]
    /// ... and the probabilities, row-major (classification), or the values (regression).
    public var outputs: [Double]
    public var latencyMicros: Double
    /// Per row, the reason codes returned (Explain, or Predict with inline reasons);
    /// empty when none were asked for (the JSON then has no "reasons" key).
    public var reasons: [[ReasonCode]] = []

    public init(timeMicros: Int64, requestID: UInt64, client: String, keyID: String, model: String, version: UInt64,
                modelSHA256: String, inputSHA256: String, rows: UInt32, classIndex: [UInt32], outputs: [Double],
                latencyMicros: Double, reasons: [[ReasonCode]] = []) {
        self.timeMicros = timeMicros
        self.requestID = requestID
        self.client = client
        self.keyID = keyID
        self.model = model
        self.version = version
        self.modelSHA256 = modelSHA256
        self.inputSHA256 = inputSHA256
        self.rows = rows
        self.classIndex = classIndex
        self.outputs = outputs
        self.latencyMicros = latencyMicros
        self.reasons = reasons
    }

    /// The record's JSON fields (without the chain fields), in a fixed order.
    func jsonFields() -> String {
        var s = "\"ts_us\":\(timeMicros),\"request_id\":\(requestID),\"client\":\(AuditRecord.quote(client)),"
        s += "\"key\":\(AuditRecord.quote(keyID)),\"model\":\(AuditRecord.quote(model)),\"version\":\(version),"
        s += "\"model_sha256\":\"\(modelSHA256)\",\"input_sha256\":\"\(inputSHA256)\",\"rows\":\(rows),"
        s += "\"class_index\":[\(classIndex.map(String.init).joined(separator: ","))],"
        s += "\"outputs\":[\(outputs.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ","))],"
        s += "\"latency_us\":\(String(format: "%.1f", latencyMicros))"
        if !reasons.isEmpty {
            s += ",\"reasons\":[" + reasons.map { row in
                "[" + row.map { r in
                    "{\"column\":\(AuditRecord.quote(r.column)),\"code\":\(AuditRecord.quote(r.code)),\"contribution\":\(r.contribution)}"
                }.joined(separator: ",") + "]"
            }.joined(separator: ",") + "]"
        }
        return s
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
