// ProtocolTests: the server over real sockets: framing, pipelining, bad input, many connections.

import Foundation
import Glibc
import GroveWire
import Testing

@Suite struct ProtocolTests {
    @Test func healthAnswersServingAndEchoesTheId() throws {
        // SERVING needs an AVAILABLE model (HealthTests: NOT_SERVING without one).
        let s = try TestServer(populate: { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) })
        let c = try RawClient(port: s.port)
        let r = try c.call(Request(id: 12345, call: .health))
        #expect(r.id == 12345)
        #expect(r.status.code == .ok)
        guard case let .health(h)? = r.result else { Issue.record("no health result"); return }
        #expect(h.status == .serving)
        #expect(h.serverVersion == "0.1.0")
    }

    @Test func theDocumentedEightByteHealthFrameWorks() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        try c.send([0x00, 0x00, 0x00, 0x04, 0x08, 0x01, 0x52, 0x00])
        let r = try c.readResponse()
        #expect(r.id == 1 && r.status.code == .ok)
    }

    @Test func thousandPipelinedRequestsAnswerInOrder() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        var bytes: [UInt8] = []
        let calls: [Request.Call] = [.health, .listModels, .stats]
        for i in 0..<1000 { bytes += Request(id: UInt64(i + 1), call: calls[i % 3]).framed() }
        try c.send(bytes)
        for i in 0..<1000 {
            let r = try c.readResponse()
            #expect(r.id == UInt64(i + 1))
            #expect(r.status.code == .ok)
        }
    }

    @Test func aRequestSplitAtEveryByteOffsetIsAnsweredOnce() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        let frame = Request(id: 99, call: .modelInfo(ModelSelector(name: "some_model", version: 3))).framed()
        for split in 1..<frame.count {
            try c.send(Array(frame[..<split]))
            usleep(200)
            try c.send(Array(frame[split...]))
            let r = try c.readResponse()
            #expect(r.id == 99, "split \(split)")
            #expect(r.status.code == .notFound, "split \(split)")
        }
    }

    @Test func manyFramesInOneWriteAndOneByteWrites() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        let frames = (1...50).flatMap { Request(id: UInt64($0), call: .health).framed() }
        try c.send(frames)
        for i in 1...50 { #expect(try c.readResponse().id == UInt64(i)) }
        for byte in Request(id: 51, call: .health).framed() { try c.send([byte]) }
        #expect(try c.readResponse().id == 51)
    }

    @Test func oversizedLengthIsResourceExhaustedThenClose() throws {
        let s = try TestServer { $0.connection.frame = FrameLimits(maxFrameBytes: 1024) }
        let c = try RawClient(port: s.port)
        try c.send([0x00, 0x00, 0x04, 0x01])  // 1025 > 1024
        let r = try c.readResponse()
        #expect(r.status.code == .resourceExhausted)
        #expect(r.status.message.contains("1025"))
        #expect(c.isClosedByPeer())
        // The server keeps serving others.
        #expect(try RawClient(port: s.port).call(Request(id: 1, call: .health)).status.code == .ok)
    }

    @Test func zeroLengthIsInvalidArgumentThenClose() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        try c.send(Request(id: 1, call: .health).framed() + [0, 0, 0, 0])
        #expect(try c.readResponse().id == 1)   // the good frame before it is answered
        #expect(try c.readResponse().status.code == .invalidArgument)
        #expect(c.isClosedByPeer())
    }

    @Test func garbageBodyThenValidRequestOnTheSameConnection() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        try c.send(FrameEncoder.frame([0xff, 0xff, 0xff]) + Request(id: 8, call: .health).framed())
        let bad = try c.readResponse()
        #expect(bad.status.code == .invalidArgument)
        #expect(bad.status.message.contains("not a valid Request"))
        let good = try c.readResponse()
        #expect(good.id == 8 && good.status.code == .ok)
    }

    @Test func unknownCallIsUnimplemented() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        // id 5 and field 99 (a call from a newer protocol).
        try c.send(FrameEncoder.frame([0x08, 0x05, 0x9a, 0x06, 0x00]))
        let r = try c.readResponse()
        #expect(r.id == 5)
        #expect(r.status.code == .unimplemented)
    }

    @Test func unknownModelIsNotFoundAndNamesIt() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        let r = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "nope"), dense: [1, 2]))))
        #expect(r.status.code == .notFound)
        #expect(r.status.message.contains("'nope'"))
        #expect(!r.status.message.contains(s.repository.path))
    }

    @Test func abruptClosesMidRequestAndMidResponseLeaveTheServerServing() throws {
        let s = try TestServer()
        do {
            let c = try RawClient(port: s.port)
            try c.send(Array(Request(id: 1, call: .health).framed().prefix(5)))
        }
        do {
            let c = try RawClient(port: s.port)
            var many: [UInt8] = []
            for i in 0..<5000 { many += Request(id: UInt64(i), call: .listModels).framed() }
            try c.send(many)
            // closed here without reading: the server's writes fail with EPIPE/ECONNRESET
        }
        usleep(100_000)
        let c = try RawClient(port: s.port)
        #expect(try c.call(Request(id: 3, call: .health)).status.code == .ok)
    }

    @Test func halfClosedPeerStillGetsItsAnswers() throws {
        let s = try TestServer()
        let c = try RawClient(port: s.port)
        try c.send(Request(id: 1, call: .health).framed() + Request(id: 2, call: .stats).framed())
        c.shutdownWrite()
        #expect(try c.readResponse().id == 1)
        #expect(try c.readResponse().id == 2)
        #expect(c.isClosedByPeer())
    }

    @Test func thousandConcurrentConnectionsEachGetTheirAnswer() throws {
        TestServer.raiseDescriptorLimit(to: 8192)
        let s = try TestServer()
        var clients: [RawClient] = []
        for _ in 0..<1000 { clients.append(try RawClient(port: s.port)) }
        for (i, c) in clients.enumerated() { try c.send(Request(id: UInt64(i), call: .health)) }
        for (i, c) in clients.enumerated() {
            let r = try c.readResponse()
            #expect(r.id == UInt64(i) && r.status.code == .ok)
        }
        let stats = try clients[0].call(Request(id: 7, call: .stats))
        guard case let .stats(st)? = stats.result else { Issue.record("no stats"); return }
        #expect(st.connectionsOpen >= 1000)
    }

    @Test func connectionsBeyondTheLimitAreRefusedWithResourceExhausted() throws {
        let s = try TestServer(threads: 1) { $0.maxConnections = 3 }
        let held = try (0..<3).map { _ in try RawClient(port: s.port) }
        for c in held { #expect(try c.call(Request(id: 1, call: .health)).status.code == .ok) }
        let extra = try RawClient(port: s.port)
        let r = try extra.readResponse()
        #expect(r.status.code == .resourceExhausted)
        #expect(extra.isClosedByPeer())
    }
}
