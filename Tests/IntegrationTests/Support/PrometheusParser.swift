// PrometheusParser: Debian's python3-prometheus-client parser, run over a metrics document.

import Foundation

/// Runs Debian's prometheus_client parser (`text_string_to_metric_families`) over a document.
/// Returns "name|label=value,..." (labels sorted; just "name" without labels) -> value; throws when the parser rejects it.
enum PrometheusParser {
    struct Rejected: Error, CustomStringConvertible { let description: String }

    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                key = s.name + ("|" + ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) if s.labels else "")
                out[key] = s.value
        print(json.dumps(out))
        """

    static func parse(_ text: String) throws -> [String: Double] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Rejected(description: "prometheus_client rejected the document: \(String(decoding: err, as: UTF8.self))")
        }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
