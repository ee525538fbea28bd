// FaultTests: killed trainers, idle hordes, slow senders, clients that never read, damaged model files.

import Foundation
import Glibc
import GroveModelStore
import GroveServer
import GroveWire
import Testing

@Suite(.serialized) struct FaultTests {
    static func tempDir(_ tag: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("grove-\(tag)-\(UUID().uuidString)")
    }

    @Test func killingTheTrainerMidWriteNeverLeavesAPartialVersion() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        let repo = Self.tempDir("kill")
        defer { try? FileManager.default.removeItem(at: repo) }
        var kills = 0
        // Six runs killed mid-write, then one left to finish: the repository must then hold
        // exactly one numbered version, complete (the killed runs leave only .incoming-*).
        for attempt in 0..<7 {
            let finish = attempt == 6
            let p = Process()
            p.executableURL = Fixtures.groveBinary
            p.arguments = ["train", "--data", Fixtures.germanCSV, "--target", "creditability", "--repo", repo.path,
                           "--name", "m", "--trees", "60", "--test-fraction", "0",
                           // Writing the ~300 KB file takes > 50 ms with a pause between 64 KiB chunks.
                           "--test-publish-pause-us", "20000"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Wait until the write has begun (an .incoming directory appears), then kill -9.
            let deadline = Date().addingTimeInterval(20)
            var writing = false
            while p.isRunning && Date() < deadline && !writing {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("m").path)) ?? []
                writing = names.contains { $0.hasPrefix(".incoming") }
                if !writing { usleep(1000) }
            }
            if !finish && writing && p.isRunning {
                usleep(UInt32(10_000 * (attempt % 3)))
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
            if finish { #expect(p.terminationStatus == 0) }
        }
        #expect(kills >= 3)
        // Every numbered version present is complete and loads; the leftovers are only .incoming-*.
        for v in ModelRepository.versions(repository: repo, name: "m") {
            let file = repo.appendingPathComponent("m/\(v)/model.grove")
            let bytes = try [UInt8](Data(contentsOf: file))
            #expect(throws: Never.self) { _ = try ModelFileCodec.decode(bytes) }
        }
        let s = try TestServer { try FileManager.default.copyItem(at: repo.appendingPathComponent("m"), to: $0.appendingPathComponent("m")) }
        let published = ModelRepository.versions(repository: repo, name: "m")
        #expect(published.count == 7 - kills, "\(kills) runs killed mid-write, versions \(published)")
        let r = try RawClient(port: s.port).call(Request(id: 1, call: .listModels))
        guard case let .listModels(ms)? = r.result else { Issue.record("no model list: \(r.status)"); return }
        let listed = try #require(ms.first { $0.name == "m" }).versions
        #expect(listed.map(\.version) == published)
        for v in listed { #expect(v.state == .available, "version \(v.version): \(v.reason)") }
    }

    /// Each damaged file is the right model for its directory (name and version match), so the
    /// refusal can only come from the damage: every truncation and every bit flip is FAILED with
    /// the seal's reason, and the intact version keeps serving.
    @Test func modelFilesTruncatedAtEveryKiBAndBitFlippedAreRefusedAndOthersServe() throws {
        let good = try Fixtures.germanModel(trees: 8)
        let size = ModelFileCodec.encode(good).count
        let truncated = (size - 1) / 1024
        let flipped = 40
        let s = try TestServer { repo in
            try Fixtures.publish(good, into: repo)
            var version: UInt64 = 2
            func put(_ damage: ([UInt8]) -> [UInt8]) throws {
                var m = good
                m.version = version
                let dir = repo.appendingPathComponent("german_credit/\(version)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try Data(damage(ModelFileCodec.encode(m))).write(to: dir.appendingPathComponent("model.grove"))
                version += 1
            }
            for cut in stride(from: 1024, to: size, by: 1024) { try put { Array($0[..<cut]) } }
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<flipped {
                try put { bytes in
                    var b = bytes
                    b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                    return b
                }
            }
            try "latest 1000\n".write(to: repo.appendingPathComponent("german_credit/serving"), atomically: true, encoding: .utf8)
        }
        let c = try RawClient(port: s.port)
        guard case let .listModels(ms)? = try c.call(Request(id: 1, call: .listModels)).result, let versions = ms.first?.versions else {
            Issue.record("no list"); return
        }
        #expect(versions.count == 1 + truncated + flipped)
        #expect(versions.first?.state == .available)
        for v in versions.dropFirst() {
            #expect(v.state == .failed, "damaged version \(v.version) was accepted")
            #expect(v.reason.contains("model file refused"), "version \(v.version): \(v.reason)")
        }
        let p = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit", version: 1), records: [Fixtures.germanRecord(0)]))))
        #expect(p.status.code == .ok)
    }

    @Test func slowSendersAreCutOffAtTheFrameDeadline() throws {
        let s = try TestServer { $0.connection.frameDeadlineNanos = 500_000_000; $0.tickMillis = 20 }
        let c = try RawClient(port: s.port, timeoutSeconds: 5)
        let frame = Request(id: 1, call: .health).framed()
        let started = Date()
        var closed = false
        for b in frame.prefix(frame.count - 1) {
            if (try? c.send([b])) == nil { closed = true; break }
            usleep(150_000)
        }
        if !closed { closed = c.isClosedByPeer() }
        #expect(closed)
        #expect(Date().timeIntervalSince(started) < 3)
        // A normal client is unaffected.
        #expect(try RawClient(port: s.port).call(Request(id: 2, call: .health)).status.code == .ok)
    }

    /// Small requests with large answers (model info: ~40 bytes in, ~3 KB out): unbounded
    /// buffering would turn each MB of requests into ~75 MB of held answers, so the RSS bound
    /// below fails unless the server stops reading (at 4 MiB of unsent output or 1,024 answers).
    @Test func aClientThatNeverReadsDoesNotGrowServerMemory() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        let repo = Self.tempDir("noread")
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
        let server = try ServerProcess(repository: repo, extraArguments: ["--threads", "1"])
        defer { server.signal(SIGKILL) }
        let before = try ServerProcess.residentKiB(server.process.processIdentifier)
        let request = Request(id: 1, call: .modelInfo(ModelSelector(name: "german_credit")))
        let answerBytes = try RawClient(port: server.port).call(request).encoded().count
        let c = try RawClient(port: server.port)
        // Non-blocking: push requests until the kernel and the server stop taking them.
        _ = fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK)
        let frame = [UInt8]((0..<256).map { _ in request.framed() }.joined())
        var sentBytes = 0
        let deadline = Date().addingTimeInterval(8)
        var stalledSince: Date?
        var stalled = false
        while Date() < deadline {
            let n = frame.withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sentBytes += n; stalledSince = nil; continue }
            if stalledSince == nil { stalledSince = Date() }
            if Date().timeIntervalSince(stalledSince!) > 1 { stalled = true; break }   // the server stopped reading
            usleep(1000)
        }
        let after = try ServerProcess.residentKiB(server.process.processIdentifier)
        let requests = sentBytes / request.framed().count
        let unboundedKiB = requests * answerBytes / 1024
        #expect(stalled, "the server kept reading: \(sentBytes) bytes of requests taken in 8 s")
        // The test can tell: had the server answered everything it was sent, it would hold this much.
        #expect(unboundedKiB > 4 * 64 * 1024, "only \(requests) requests sent; not enough to tell bounded from unbounded")
        #expect(after - before < 64 * 1024, "server grew by \(after - before) KiB after \(requests) requests (\(unboundedKiB) KiB of answers)")
        // And it still serves others.
        #expect(try RawClient(port: server.port).call(Request(id: 9, call: .health)).status.code == .ok)
    }

    @Test func tenThousandIdleConnectionsAndTheServerStillAnswers() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        TestServer.raiseDescriptorLimit(to: 20_000)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        try #require(limit.rlim_cur >= 10_300, "needs a descriptor limit of at least 10,300 (have \(limit.rlim_cur))")
        let repo = Self.tempDir("idle")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: repo) }
        let server = try ServerProcess(repository: repo, extraArguments: ["--max-connections", "10100"])
        var idle: [RawClient] = []
        idle.reserveCapacity(10_000)
        for _ in 0..<10_000 { idle.append(try RawClient(port: server.port)) }
        let probe = try RawClient(port: server.port)
        let started = Date()
        #expect(try probe.call(Request(id: 1, call: .health)).status.code == .ok)
        #expect(Date().timeIntervalSince(started) < 1)
        // The kernel completes connections before the loops accept them: wait until all are accepted.
        var open: UInt64 = 0
        for _ in 0..<100 where open < 10_001 {
            if case let .stats(st)? = try probe.call(Request(id: 2, call: .stats)).result { open = st.connectionsOpen }
            if open < 10_001 { usleep(50_000) }
        }
        #expect(open >= 10_001)
        // Idle connections hold no buffers: well under 1 KiB each beyond the kernel's socket state.
        let rss = try ServerProcess.residentKiB(server.process.processIdentifier)
        #expect(rss < 200 * 1024, "server RSS \(rss) KiB with 10,000 idle connections")
        // Every one of them still works.
        for (i, c) in idle.enumerated() where i % 500 == 0 {
            #expect(try c.call(Request(id: UInt64(i), call: .health)).status.code == .ok)
        }
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}

@Suite(.serialized) struct HalfCloseTests {
    /// A peer that half-closes with answers still unsent (it does not read) must not make
    /// the loop spin: level-triggered EPOLLRDHUP stays asserted once the peer has closed its side.
    @Test func halfClosedPeerWithUnsentAnswersDoesNotSpinTheLoop() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        let repo = FaultTests.tempDir("halfclose")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 2), into: repo)
        let server = try ServerProcess(repository: repo, extraArguments: ["--threads", "1"])
        let c = try RawClient(port: server.port)
        var small: Int32 = 4096
        setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        // Small requests with large answers (model info, ~3 KB each): the server reads them all
        // and the FIN, while megabytes of answers wait for a reader that never comes.
        var bytes: [UInt8] = []
        for i in 0..<600 { bytes += Request(id: UInt64(i), call: .modelInfo(ModelSelector(name: "german_credit"))).framed() }
        try c.send(bytes)
        c.shutdownWrite()
        usleep(500_000)
        let before = try ServerProcess.cpuSeconds(server.process.processIdentifier)
        usleep(1_000_000)
        let used = try ServerProcess.cpuSeconds(server.process.processIdentifier) - before
        #expect(used < 0.3, "the server used \(used) s of CPU in 1 s while waiting on a stalled half-closed peer")
        server.signal(SIGKILL)
    }
}

extension ServerProcess {
    /// A /proc figure that could not be read: the test fails instead of comparing zeros.
    struct ProcReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw ProcReadError(description: "/proc/\(pid)/stat: no ')'") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) else {
            throw ProcReadError(description: "/proc/\(pid)/stat: no utime/stime")
        }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentKiB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            if let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }), kib > 0 { return kib }
        }
        throw ProcReadError(description: "/proc/\(pid)/status: no VmRSS")
    }
}
