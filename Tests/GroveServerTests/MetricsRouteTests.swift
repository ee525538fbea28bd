// MetricsRouteTests: what the metrics endpoint answers to request heads, without sockets.

import Testing
@testable import GroveServer

@Suite struct MetricsRouteTests {
    func decide(_ s: String) -> MetricsRoute { Array(s.utf8).withUnsafeBytes { MetricsRoute.decide($0) } }

    @Test func onlyACompleteGetOfMetricsIsServed() {
        #expect(decide("GET /metrics HTTP/1.1\r\nHost: a\r\n") == .incomplete)
        #expect(decide("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n") == .metrics(head: false))
        #expect(decide("HEAD /metrics?x HTTP/1.0\r\n\r\n") == .metrics(head: true))
        #expect(decide("GET /other HTTP/1.1\r\n\r\n") == .notFound)
        #expect(decide("DELETE /metrics HTTP/1.1\r\n\r\n") == .methodNotAllowed)
        #expect(decide("GET /metrics HTTP/2\r\n\r\n") == .badRequest("unsupported version"))
        #expect(decide("GET  /metrics HTTP/1.1\r\n\r\n") == .badRequest("malformed request line"))
        #expect(decide(String(repeating: "a", count: MetricsRoute.maxHeadBytes)) == .badRequest("request head larger than 8192 bytes"))
    }

    @Test func responsesSayTheirLengthAndClose() {
        let r = String(decoding: MetricsRoute.metrics(head: false).response { "x 1\n" }, as: UTF8.self)
        #expect(r == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 4\r\nConnection: close\r\n\r\nx 1\n")
        let h = String(decoding: MetricsRoute.metrics(head: true).response { "x 1\n" }, as: UTF8.self)
        #expect(h.hasSuffix("Content-Length: 4\r\nConnection: close\r\n\r\n"))
    }
}
