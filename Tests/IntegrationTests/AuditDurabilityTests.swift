// AuditDurabilityTests: an audited answer waits for its record to be durable, and the loop serves others meanwhile.

import Foundation
import Glibc
import GroveModelStore
@testable import GroveServer
import GroveWire
import Testing

@Suite struct AuditDurabilityTests {
    /// One loop, the log's commits held by the test: the audited prediction is not answered
    /// while its record is pending, nor is the request pipelined behind it on the same
    /// connection; another connection is answered meanwhile (the loop does not wait for the
    /// disk); once the commit goes through, both answers arrive, in order.
    @Test func aHeldRecordHoldsItsAnswerButNotTheLoop() throws {
        let dir = AuditTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try TestServer(threads: 1, configure: { $0.auditDirectory = dir }, populate: { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) })
        let gate = DispatchSemaphore(value: 0)
        s.server.audit!.beforeCommit = { gate.wait() }
        defer { for _ in 0..<100 { gate.signal() } }   // whatever happens, the server can stop
        let m = ModelSelector(name: "german_credit")
        let a = try RawClient(port: s.port)
        try a.send(Request(id: 1, call: .predict(PredictRequest(model: m, records: [Fixtures.germanRecord(0)]))))
        try a.send(Request(id: 2, call: .modelInfo(m)))   // pipelined behind the held answer
        usleep(200_000)
        var ready = pollfd(fd: a.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&ready, 1, 300) == 0, "an audited answer went out before its record was durable")

        let b = try RawClient(port: s.port, timeoutSeconds: 3)
        let health = try b.call(Request(id: 3, call: .health))
        #expect(health.status.code == .ok, "the loop did not serve another connection while a record was pending")

        gate.signal()
        let first = try a.readResponse(), second = try a.readResponse()
        #expect(first.id == 1 && first.status.code == .ok, "\(first.status)")
        #expect(second.id == 2 && second.status.code == .ok, "\(second.status)")
        #expect(AuditChain.verify(dir: dir).records == 1)
    }

    /// Audited requests pipelined and then half-closed (`nc -N` after its input): each is
    /// answered, in order, once its record is durable, and only then is the connection closed.
    @Test func pipelinedAuditedRequestsThenAHalfCloseAreAllAnswered() throws {
        let dir = AuditTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try TestServer(threads: 1, configure: { $0.auditDirectory = dir }, populate: { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) })
        let m = ModelSelector(name: "german_credit")
        let c = try RawClient(port: s.port)
        try c.send((1...5).flatMap { Request(id: UInt64($0), call: .predict(PredictRequest(model: m, records: [Fixtures.germanRecord($0)]))).framed() })
        c.shutdownWrite()
        for id in 1...5 {
            let r = try c.readResponse()
            #expect(r.id == UInt64(id) && r.status.code == .ok, "\(r.id): \(r.status)")
        }
        #expect(c.isClosedByPeer())
        #expect(AuditChain.verify(dir: dir).records == 5)
    }
}
