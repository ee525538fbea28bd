// DeadlineTests: a request that waited in the server's queue past its timeout_micros is answered
// DEADLINE_EXCEEDED without being computed; the client sends its remaining deadline.

import Foundation
import Glibc
@testable import GroveClient
import GroveWire
import Testing

@Suite struct DeadlineTests {
    @Test func queuedRequestsPastTheirBudgetAreNotComputed() throws {
        let s = try TestServer(threads: 1, configure: { $0.metricsAddress = "127.0.0.1:0" },
                               populate: { try Fixtures.publish(Fixtures.germanModel(trees: 20), into: $0) })
        let c = try RawClient(port: s.port)
        let model = ModelSelector(name: "german_credit")
        // One slow call (500 records, a few ms), then 10 cheap ones with a 300 µs budget, all
        // sent in one write of under 16 KiB: the loop reads them in one batch, so the cheap ones
        // wait behind the slow one for longer than their budget.
        let slow = Request(id: 1, call: .predict(PredictRequest(model: model, records: Array(repeating: RawRecord([RawField("age_in_years", .number(30))]), count: 500))))
        var bytes = slow.framed()
        for i in 0..<10 {
            bytes += Request(id: UInt64(100 + i), timeoutMicros: 300, call: .predict(PredictRequest(model: model, records: [RawRecord([RawField("age_in_years", .number(Double(20 + i)))])]))).framed()
        }
        try #require(bytes.count < 16 * 1024, "\(bytes.count) bytes")
        try c.send(bytes)
        let first = try c.readResponse()
        #expect(first.status.code == .ok)
        for i in 0..<10 {
            let r = try c.readResponse()
            #expect(r.id == UInt64(100 + i))
            #expect(r.status.code == .deadlineExceeded, "\(r.status)")
            #expect(r.status.message.contains("not computed"))
        }
        // Only the slow call was computed.
        guard case let .stats(st)? = try c.call(Request(id: 2, call: .stats)).result else { Issue.record("no stats"); return }
        #expect(st.models.first?.requests == 1)
        let metrics = try PrometheusParser.parse(try MetricsTests.http(port: s.server.metricsBoundAddress!.port).body)
        #expect(metrics["grove_requests_total|call=predict,code=DEADLINE_EXCEEDED"] == 10)
        // A budget that is not spent is no obstacle.
        let relaxed = try c.call(Request(id: 3, timeoutMicros: 5_000_000, call: .predict(PredictRequest(model: model, records: [Fixtures.germanRecord(0)]))))
        #expect(relaxed.status.code == .ok)
    }

    /// A budget too large to hold in nanoseconds is no obstacle on any path: 2^62 µs times 1,000
    /// wraps to 0 and 2^64 / 1,000 + 1 µs to 384 ns in 64 bits, which would have answered them
    /// DEADLINE_EXCEEDED uncomputed.
    @Test func hugeBudgetsAreAnsweredNotWrapped() throws {
        let model = try Fixtures.germanModel(trees: 3)
        let s = try TestServer(threads: 1, populate: { try Fixtures.publish(model, into: $0) })
        let c = try RawClient(port: s.port)
        let selector = ModelSelector(name: "german_credit")
        let dense = try model.preprocessing.encode(table: Fixtures.germanTable, rows: [0]).values
        let calls: [Request.Call] = [
            .health,                                                                            // the ordinary path
            .predict(PredictRequest(model: selector, records: [Fixtures.germanRecord(0)])),     // records read in place
            .predict(PredictRequest(model: selector, records: [RawRecord([RawField("age_in_years", .number(30))])])),  // noted: ordinary
            .predict(PredictRequest(model: selector, dense: dense)),                            // dense read in place
            .predict(PredictRequest(model: selector, dense: dense, reasons: 2)),
            .explain(ExplainRequest(model: selector, dense: dense)),                            // the Explain hot path
        ]
        var id: UInt64 = 1
        for budget in [UInt64(1) << 62, UInt64.max / 1000 + 1, UInt64.max] {
            for call in calls {
                let r = try c.call(Request(id: id, timeoutMicros: budget, call: call))
                #expect(r.id == id && r.status.code == .ok, "budget \(budget) µs, call \(id % UInt64(calls.count)): \(r.status)")
                id += 1
            }
        }
    }

    @Test func theClientSendsItsRemainingDeadline() throws {
        let recorder = try RequestRecorder()
        let client = try GroveClient("127.0.0.1:\(recorder.port)", timeoutSeconds: 0.25)
        _ = try? client.health()
        let seen = recorder.requests()
        try #require(!seen.isEmpty)
        #expect(seen[0].timeoutMicros > 100_000 && seen[0].timeoutMicros <= 250_000, "\(seen[0].timeoutMicros)")
    }
}

/// A listener that records every request it receives and never answers (connections are
/// closed once a whole frame arrived, so each attempt is seen).
final class RequestRecorder: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private let lock = NSLock()
    private var seen: [Request] = []
    private var stopped = false

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        listen(sock, 16)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = UInt16(bigEndian: addr.sin_port)
        let t = Thread { [self] in serve() }
        t.start()
    }

    deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    func requests() -> [Request] { lock.lock(); defer { lock.unlock() }; return seen }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                bytes += buf[..<n]
                if bytes.count >= 4 {
                    let len = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
                    if bytes.count >= 4 + len {
                        if let r = try? Request(decoding: Array(bytes[4..<(4 + len)])) {
                            lock.lock(); seen.append(r); lock.unlock()
                        }
                        break
                    }
                }
            }
            close(c)
        }
    }
}
