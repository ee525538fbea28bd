// MetricsTests: `--metrics` over real HTTP, parsed by a real Prometheus parser, counters moving
// by exactly the requests sent.

import Foundation
import Glibc
import GroveModelStore
@testable import GroveServer
import GroveWire
import Testing

@Suite struct MetricsTests {
    /// GET (or another request) over a plain socket; returns the status line, headers and body.
    static func http(port: UInt16, _ request: String = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") throws -> (status: String, headers: String, body: String) {
        let c = try RawClient(port: port)
        try c.send(Array(request.utf8))
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += buf[..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw ClientFailure("no HTTP head in '\(text)'") }
        let head = String(text[..<split.lowerBound])
        let status = String(head.split(separator: "\r\n").first ?? "")
        return (status, head, String(text[split.upperBound...]))
    }

    static func scrape(_ s: TestServer) throws -> [String: Double] {
        let r = try http(port: s.server.metricsBoundAddress!.port)
        #expect(r.status == "HTTP/1.1 200 OK")
        #expect(r.headers.contains("Content-Type: text/plain; version=0.0.4"))
        return try PrometheusParser.parse(r.body)
    }

    func metricsServer() throws -> TestServer {
        try TestServer(configure: { $0.metricsAddress = "127.0.0.1:0" }, populate: { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) })
    }

    @Test func countersMoveByExactlyTheRequestsSent() throws {
        let s = try metricsServer()
        let before = try Self.scrape(s)
        let c = try RawClient(port: s.port)
        let model = ModelSelector(name: "german_credit")
        let dense = [Double](repeating: 0, count: 61)
        for i in 0..<7 { #expect(try c.call(Request(id: UInt64(i), call: .predict(PredictRequest(model: model, dense: dense + dense)))).status.code == .ok) }
        for i in 0..<3 { #expect(try c.call(Request(id: UInt64(i), call: .predict(PredictRequest(model: model, records: [Fixtures.germanRecord(i)])))).status.code == .ok) }
        for i in 0..<2 { #expect(try c.call(Request(id: UInt64(i), call: .health)).status.code == .ok) }
        #expect(try c.call(Request(id: 9, call: .predict(PredictRequest(model: ModelSelector(name: "nope"), dense: dense)))).status.code == .notFound)
        #expect(try c.call(Request(id: 9, call: .predict(PredictRequest(model: model, dense: [1, 2])))).status.code == .invalidArgument)
        try c.send([0, 0, 0, 2, 0xff, 0xff])   // not a Request: INVALID_ARGUMENT, connection stays open
        #expect(try c.readResponse().status.code == .invalidArgument)
        let after = try Self.scrape(s)
        func delta(_ key: String) -> Double { (after[key] ?? 0) - (before[key] ?? 0) }
        #expect(delta("grove_requests_total|call=predict,code=OK") == 10)
        #expect(delta("grove_requests_total|call=health,code=OK") == 2)
        #expect(delta("grove_requests_total|call=predict,code=NOT_FOUND") == 1)
        #expect(delta("grove_requests_total|call=predict,code=INVALID_ARGUMENT") == 1)
        #expect(delta("grove_requests_total|call=unknown,code=INVALID_ARGUMENT") == 1)
        #expect(delta("grove_frames_rejected_total|reason=invalid_message") == 1)
        let m = "model=german_credit,version=1"
        #expect(delta("grove_predictions_total|\(m)") == 10)
        #expect(delta("grove_predicted_rows_total|\(m)") == 17)
        #expect(delta("grove_prediction_errors_total|\(m)") == 1)
        #expect(delta("grove_predict_latency_seconds_count|\(m)") == 10)
        #expect(delta("grove_predict_latency_seconds_bucket|le=+Inf,\(m)") == 10)
        #expect(delta("grove_predict_latency_seconds_sum|\(m)") > 0)
        #expect(delta("grove_connections_total") == 1)
        #expect(after["grove_connections_open"] == 1)
        #expect(after["grove_model_versions|state=AVAILABLE"] == 1)
        #expect(after["grove_serving"] == 1)
        #expect(after["grove_build_info|version=\(GroveVersion.string)"] == 1)
        #expect((after["process_resident_memory_bytes"] ?? 0) > 1_000_000)
        #expect((after["process_open_fds"] ?? 0) > 3)
        #expect(after["process_cpu_seconds_total"] != nil && after["process_start_time_seconds"] != nil)
        // Stats agrees with the merged per-loop figures.
        let stats = try c.call(Request(id: 10, call: .stats))
        guard case let .stats(st)? = stats.result else { Issue.record("no stats"); return }
        #expect(st.models.first?.requests == 11 && st.models.first?.rows == 17 && st.models.first?.errors == 1)
        #expect(st.models.first.map { $0.latencyP50Micros > 0 && $0.latencyP50Micros <= $0.latencyMaxMicros } == true)
    }

    @Test func otherPathsAndMethodsGetHTTPErrors() throws {
        let s = try metricsServer()
        let port = s.server.metricsBoundAddress!.port
        #expect(try Self.http(port: port, "GET / HTTP/1.1\r\n\r\n").status == "HTTP/1.1 404 Not Found")
        #expect(try Self.http(port: port, "POST /metrics HTTP/1.1\r\n\r\n").status == "HTTP/1.1 405 Method Not Allowed")
        #expect(try Self.http(port: port, "garbage\r\n\r\n").status == "HTTP/1.1 400 Bad Request")
        let head = try Self.http(port: port, "HEAD /metrics HTTP/1.0\r\n\r\n")
        #expect(head.status == "HTTP/1.1 200 OK" && head.body.isEmpty)
        #expect(try Self.http(port: port, "GET /metrics?x=1 HTTP/1.1\r\n\r\n").body.contains("grove_requests_total"))
    }

    @Test func aNonLoopbackMetricsAddressNeedsKeys() throws {
        #expect(throws: (any Error).self) {
            _ = try TestServer(configure: { $0.metricsAddress = "0.0.0.0:0" })
        }
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
