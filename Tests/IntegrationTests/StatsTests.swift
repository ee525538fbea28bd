// StatsTests: the server's counters over the wire, against a known mix of calls and connections.

import Foundation
import GroveWire
import Testing

@Suite struct StatsTests {
    @Test func serverCountersFollowAKnownMix() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) }
        let m = ModelSelector(name: "german_credit")
        // 3 connections; 12 health, 5 good predictions (2 rows each), 4 bad ones, 2 unknown models.
        let clients = try (0..<3).map { _ in try RawClient(port: s.port) }
        var id: UInt64 = 0
        func call(_ c: RawClient, _ call: Request.Call) throws -> StatusCode {
            id += 1
            return try c.call(Request(id: id, call: call)).status.code
        }
        for i in 0..<12 { #expect(try call(clients[i % 3], .health) == .ok) }
        for i in 0..<5 {
            #expect(try call(clients[i % 3], .predict(PredictRequest(model: m, records: [Fixtures.germanRecord(i), Fixtures.germanRecord(i + 1)]))) == .ok)
        }
        for i in 0..<4 { #expect(try call(clients[i % 3], .predict(PredictRequest(model: m, dense: [1, 2]))) == .invalidArgument) }
        for i in 0..<2 { #expect(try call(clients[i % 3], .modelInfo(ModelSelector(name: "nope"))) == .notFound) }
        let probe = try RawClient(port: s.port)
        guard case let .stats(st)? = try probe.call(Request(id: 99, call: .stats)).result else { Issue.record("no stats"); return }
        // The stats call itself is counted; it is answered after it is counted.
        #expect(st.requestsTotal == 12 + 5 + 4 + 2 + 1)
        #expect(st.errorsTotal == 4 + 2)
        #expect(st.connectionsOpen == 4)
        #expect(st.connectionsTotal == 4)
        let model = try #require(st.models.first { $0.name == "german_credit" && $0.version == 1 })
        #expect(model.requests == 9 && model.errors == 4 && model.rows == 10)
        #expect(model.latencyP50Micros > 0 && model.latencyP50Micros <= model.latencyP90Micros
                && model.latencyP90Micros <= model.latencyP99Micros && model.latencyP99Micros <= model.latencyMaxMicros)
    }
}
