// ClientTests: the Swift client library against live servers: every call, pipelining, deadlines, restarts, failover.

import Foundation
import Glibc
import GroveClient
import GroveWire
import Testing

@Suite struct ClientTests {
    @Test func everyCallOfTheProtocol() throws {
        let model = try Fixtures.germanModel(trees: 5)
        let s = try TestServer { try Fixtures.publish(model, into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        #expect(try client.health().status == .serving)
        #expect(try client.listModels().map(\.name) == ["german_credit"])
        let info = try client.modelInfo(ModelSelector(name: "german_credit"))
        #expect(info.featureNames.count == 61)
        let byRecord = try client.predict(ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)])
        #expect(byRecord.rows == 1 && byRecord.probabilities.count == 2)
        let dense = try model.preprocessing.encode(table: Fixtures.germanTable, rows: [0, 1]).values
        let byDense = try client.predict(ModelSelector(name: "german_credit", version: 1), dense: dense, labelsOnly: true)
        #expect(byDense.rows == 2 && byDense.probabilities.isEmpty && byDense.classIndex.count == 2)
        #expect(try client.stats().requestsTotal >= 5)
        do {
            _ = try client.modelInfo(ModelSelector(name: "missing"))
            Issue.record("unknown model answered")
        } catch {
            #expect(error.code == .notFound)
            guard case let .server(status) = error else { Issue.record("not a server error: \(error)"); return }
            #expect(status.message.contains("missing"))
        }
    }

    /// A request whose C form takes more than an arena's default 64 MiB (60,000 records of 20
    /// fields) is built (the client's outgoing arena is unbounded) instead of stopping the
    /// process; the server refuses the frame (over 4 MiB) and closes the connection, so the call
    /// fails with its RESOURCE_EXHAUSTED, or UNAVAILABLE when the close cut the sending short.
    /// The client serves the next call.
    @Test func aRequestLargerThanTheServerTakesFailsAndTheClientLivesOn() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let records = Array(repeating: Fixtures.germanRecord(0), count: 60_000)
        do {
            _ = try client.predict(ModelSelector(name: "german_credit"), records: records)
            Issue.record("a 60,000-record request was answered")
        } catch {
            #expect([.resourceExhausted, .unavailable].contains(error.code), "\(error)")
        }
        #expect(Fixtures.eventually {
            do { return try client.predict(ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]).rows == 1 } catch { return false }
        })
    }

    /// A frame over the server's --max-frame-bytes is refused with an id-0 RESOURCE_EXHAUSTED:
    /// the call fails with it, and the endpoint is not ejected (every endpoint would refuse the
    /// same request): the next call is answered at once.
    @Test func aRequestOverTheFrameLimitIsRefusedWithoutEjectingTheEndpoint() throws {
        let s = try TestServer(configure: { $0.connection.frame = FrameLimits(maxFrameBytes: 64 * 1024) }) {
            try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0)
        }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        // About 100 KB: sent whole into the socket before the server reads its header.
        let records = Array(repeating: Fixtures.germanRecord(0), count: 200)
        do {
            _ = try client.predict(ModelSelector(name: "german_credit"), records: records)
            Issue.record("a request over the frame limit was answered")
        } catch let GroveClientError.server(status) {
            #expect(status.code == .resourceExhausted && !status.isConnectionLimit, "\(status)")
        }
        let one = try client.predict(ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)])
        #expect(one.rows == 1)
        #expect(client.counters.ejections == 0 && client.isHealthy(endpoint: 0))
    }

    @Test func asyncCalls() async throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        let h = try await client.health()
        #expect(h.modelsAvailable == 1)
        let p = try await client.predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(1)]))
        #expect(p.rows == 1)
    }

    @Test func pipelinedBatchKeepsOrderAndPerCallErrors() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let client = try GroveClient("127.0.0.1:\(s.port)")
        var calls: [Request.Call] = []
        for i in 0..<300 {
            calls.append(i % 100 == 7 ? .modelInfo(ModelSelector(name: "nope"))
                                      : .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(i)])))
        }
        let results = try client.pipeline(calls)
        #expect(results.count == 300)
        for (i, r) in results.enumerated() {
            switch r {
            case .success(.predict(let p)): #expect(i % 100 != 7 && p.rows == 1)
            case .failure(let e): #expect(i % 100 == 7 && e.code == .notFound)
            default: Issue.record("unexpected result at \(i)")
            }
        }
    }

    @Test func deadlineExceededWhenTheServerDoesNotAnswer() throws {
        // A listener that accepts (the kernel does) but never answers.
        let silent = try SilentListener()
        let client = try GroveClient("127.0.0.1:\(silent.port)")
        let started = Date()
        do {
            _ = try client.health(timeoutSeconds: 0.3)
            Issue.record("a silent server answered")
        } catch {
            #expect(error == .deadlineExceeded)
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.29 && elapsed < 2)
    }

    @Test func clientReconnectsAfterTheServerRestarts() throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)   // SERVING needs a model
        let first = try ServerProcess(repository: repo)
        let port = first.port
        let client = try GroveClient("127.0.0.1:\(port)")
        #expect(try client.health().status == .serving)
        first.signal(SIGKILL)
        _ = first.waitForExit()
        // Same port again (SO_REUSEADDR): the client must notice the dead connection and reconnect.
        let second = try ServerProcess(repository: repo, extraArguments: ["--port", "\(port)"])
        #expect(second.port == port)
        var answered = false
        for _ in 0..<20 where !answered {
            answered = (try? client.health()) != nil
            if !answered { usleep(100_000) }
        }
        #expect(answered)
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0)
    }

    @Test func failsOverToTheNextEndpointWhenOneIsDown() throws {
        let s = try TestServer(populate: { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) })
        // The first endpoint refuses connections (nothing listens on port 1).
        var config = GroveClient.Configuration(endpoints: [Endpoint(host: "127.0.0.1", port: 1), Endpoint(host: "127.0.0.1", port: s.port)])
        config.timeoutSeconds = 3
        let client = try GroveClient(configuration: config)
        for _ in 0..<5 { #expect(try client.health().status == .serving) }
        #expect(client.connectedEndpoint?.port == s.port)
    }
}

/// A TCP listener that never reads or writes: connections succeed, calls never answer.
final class SilentListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { close(fd); throw ClientFailure("cannot listen") }
        port = UInt16(bigEndian: addr.sin_port)
    }

    deinit { close(fd) }
}
