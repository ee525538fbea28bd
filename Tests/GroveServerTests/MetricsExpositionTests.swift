// MetricsExpositionTests: the text format's escaping, numbers and histograms, and a real parser reading them.

import Foundation
import Testing
@testable import GroveServer

@Suite struct MetricsExpositionTests {
    @Test func familiesHaveHelpAndTypeBeforeTheirSamples() {
        var e = MetricsExposition()
        e.family("grove_requests_total", .counter, help: "Requests answered.")
        e.sample("grove_requests_total", ["call": "predict", "code": "OK"], UInt64(3))
        #expect(e.text == """
            # HELP grove_requests_total Requests answered.
            # TYPE grove_requests_total counter
            grove_requests_total{call="predict",code="OK"} 3

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var e = MetricsExposition()
        e.family("x", .gauge, help: "a \\ b\nc")
        e.sample("x", ["model": "we\"ird\\na\nme"], 1.5)
        #expect(e.text.contains("# HELP x a \\\\ b\\nc\n"))
        #expect(e.text.contains("x{model=\"we\\\"ird\\\\na\\nme\"} 1.5\n"))
    }

    @Test func numbersUseGoSpellings() {
        #expect(MetricsExposition.format(42) == "42")
        #expect(MetricsExposition.format(0.25) == "0.25")
        #expect(MetricsExposition.format(1e-05) == "1e-05")
        #expect(MetricsExposition.format(.infinity) == "+Inf")
        #expect(MetricsExposition.format(-.infinity) == "-Inf")
        #expect(MetricsExposition.format(.nan) == "NaN")
        #expect(MetricsExposition.format(1e300) == "1e+300")
    }

    @Test func histogramBucketsAreCumulativeAndEndWithInf() {
        var e = MetricsExposition()
        e.family("h_seconds", .histogram, help: "h")
        e.histogram("h_seconds", [("model", "m")], bounds: [0.5, 1], counts: [2, 3, 4], sum: 7.5)
        #expect(e.text.hasSuffix("""
            h_seconds_bucket{model="m",le="0.5"} 2
            h_seconds_bucket{model="m",le="1"} 5
            h_seconds_bucket{model="m",le="+Inf"} 9
            h_seconds_sum{model="m"} 7.5
            h_seconds_count{model="m"} 9

            """))
    }

    @Test func namesAreChecked() {
        #expect(MetricsExposition.isValidName("grove_up"))
        #expect(MetricsExposition.isValidName("a:b_c9"))
        #expect(!MetricsExposition.isValidName("9a"))
        #expect(!MetricsExposition.isValidName("a-b"))
        #expect(!MetricsExposition.isValidName(""))
    }

    /// Debian's python3-prometheus-client (installed by scripts/bootstrap.sh) parses what we write,
    /// tricky label values included, and reads back the same numbers.
    @Test func aRealPrometheusParserReadsTheDocument() throws {
        var e = MetricsExposition()
        e.family("grove_requests_total", .counter, help: "Requests \\ answered\nper call.")
        e.sample("grove_requests_total", ["call": "predict", "code": "OK"], UInt64(7))
        e.sample("grove_requests_total", ["call": "we\"ird\\\n", "code": "NOT_FOUND"], UInt64(1))
        e.family("grove_predict_latency_seconds", .histogram, help: "Latency.")
        e.histogram("grove_predict_latency_seconds", [("model", "m"), ("version", "1")],
                    bounds: LatencyHistogram.prometheusBoundsSeconds,
                    counts: [1, 2] + Array(repeating: 0, count: LatencyHistogram.prometheusBoundsSeconds.count - 1), sum: 1e-05)
        let parsed = try PrometheusParser.parse(e.text)
        #expect(parsed["grove_requests_total|call=predict,code=OK"] == 7)
        #expect(parsed["grove_requests_total|call=we\"ird\\\n,code=NOT_FOUND"] == 1)
        #expect(parsed["grove_predict_latency_seconds_bucket|le=1e-05,model=m,version=1"] == 1)
        #expect(parsed["grove_predict_latency_seconds_bucket|le=2e-05,model=m,version=1"] == 3)
        #expect(parsed["grove_predict_latency_seconds_bucket|le=+Inf,model=m,version=1"] == 3)
        #expect(parsed["grove_predict_latency_seconds_count|model=m,version=1"] == 3)
        #expect(parsed["grove_predict_latency_seconds_sum|model=m,version=1"] == 1e-05)
    }
}

/// Runs Debian's prometheus_client parser (`text_string_to_metric_families`) over a document.
/// Returns "name|label=value,..." (labels sorted) -> value; throws when the parser rejects it.
enum PrometheusParser {
    struct Rejected: Error, CustomStringConvertible { let description: String }

    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                key = s.name + "|" + ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
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
