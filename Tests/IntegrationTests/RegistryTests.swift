// RegistryTests: versions appear while clients hammer; corrupt versions fail alone; labels; stats.

import Foundation
import Glibc
@testable import GroveServer
import GroveWire
import Logging
import Testing

@Suite struct RegistryTests {
    @Test func aNewVersionAppearsUnderLoadWithZeroFailedRequests() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 5), into: $0) }
        let record = Fixtures.germanRecord(3)
        let stop = Atomicish()
        let tally = Tally()
        let port = s.port
        let hammer = Thread {
            defer { stop.done() }
            guard let c = try? RawClient(port: port) else { tally.fail(); return }
            var id: UInt64 = 0
            while !stop.isSet {
                id += 1
                guard let r = try? c.call(Request(id: id, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [record])))),
                      r.id == id, case let .predict(p)? = r.result else { tally.fail(); continue }
                tally.answered(by: p.version)
            }
        }
        hammer.start()
        usleep(200_000)
        try Fixtures.publish(Fixtures.germanModel(trees: 6, seed: 7), into: s.repository)
        let deadline = Date().addingTimeInterval(10)
        var sawTwo = false
        while Date() < deadline && !sawTwo {
            usleep(50_000)
            if let r = try? RawClient(port: s.port).call(Request(id: 1, call: .listModels)),
               case let .listModels(ms)? = r.result, ms.first?.versions.count == 2 { sawTwo = true }
        }
        usleep(300_000)
        stop.set()
        stop.waitDone()
        #expect(sawTwo)
        #expect(tally.failures == 0)
        #expect(tally.requests > 50)
        #expect(tally.versions == [1, 2])
    }

    /// A reasons file entry naming no input column of the model is warned about once per
    /// change of the file (not at every scan); entries for its columns are not.
    @Test func reasonsForUnknownColumnsAreWarnedOncePerChange() throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-reasons-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: repo) }
        try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
        let file = repo.appendingPathComponent("german_credit/reasons")
        try Data("column,code,text\nhousing,R1,Housing\nhousingg,R2,Misspelt\n".utf8).write(to: file)
        let log = CapturedLog()
        let registry = ModelRegistry(repository: repo, logger: Logger(label: "test") { _ in log })
        registry.rescan()
        registry.rescan()
        func warned(_ column: String) -> Int { log.messages(at: .warning).filter { $0.contains("column \"\(column)\"") }.count }
        #expect(warned("housingg") == 1 && warned("housing") == 0)
        #expect(log.messages(at: .warning).first { $0.contains("housingg") }?.contains("german_credit/reasons") == true)
        try Data("column,code,text\nhousing,R1,Housing\nhousingg,R2,Misspelt\nzip,R3,Zip\n".utf8).write(to: file)
        registry.rescan()
        registry.rescan()
        #expect(warned("housingg") == 2 && warned("zip") == 1 && warned("housing") == 0)
    }

    @Test func aCorruptVersionIsReportedFailedAndTheOthersServe() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let dir = s.repository.appendingPathComponent("german_credit/2")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("not a model".utf8).write(to: dir.appendingPathComponent("model.grove"))
        var state: VersionState?
        for _ in 0..<200 where state == nil || state?.state == .loading {
            usleep(50_000)
            let r = try RawClient(port: s.port).call(Request(id: 1, call: .listModels))
            if case let .listModels(ms)? = r.result { state = ms.first?.versions.first { $0.version == 2 } }
        }
        #expect(state?.state == .failed)
        #expect(state?.reason.contains("not a Grove model file") == true)
        #expect(state?.reason.contains(s.repository.path) == false)
        let p = try RawClient(port: s.port).call(Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))))
        guard case let .predict(pr)? = p.result else { Issue.record("\(p.status)"); return }
        #expect(pr.version == 1)
        let v2 = try RawClient(port: s.port).call(Request(id: 3, call: .modelInfo(ModelSelector(name: "german_credit", version: 2))))
        #expect(v2.status.code == .notFound && v2.status.message.contains("failed to load"))
    }

    /// The only version's file is copied over by one that does not load: the version keeps
    /// serving what it loaded (same SHA-256), stays AVAILABLE and Health stays SERVING; a load
    /// failure is counted. Copied over by a good file, the new content is served.
    @Test func aServingVersionWhoseFileIsReplacedKeepsServingUntilTheNewFileLoads() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let file = s.repository.appendingPathComponent("german_credit/1/model.grove")
        func info() throws -> ModelInfo? {
            let r = try RawClient(port: s.port).call(Request(id: 1, call: .modelInfo(ModelSelector(name: "german_credit"))))
            if case let .modelInfo(i)? = r.result { return i } else { return nil }
        }
        let before = try #require(try info())
        // Counted once, by this rescan or by the server's own poll (every 0.2 s here) before it.
        let failures = s.server.registry.loadFailures.load(ordering: .relaxed)
        try Data("not a model".utf8).write(to: file)
        s.server.registry.rescan()
        #expect(s.server.registry.loadFailures.load(ordering: .relaxed) == failures + 1)
        #expect(try info()?.sha256 == before.sha256)
        let h = try RawClient(port: s.port).call(Request(id: 2, call: .health))
        guard case let .health(health)? = h.result else { Issue.record("\(h.status)"); return }
        #expect(health.status == .serving, "\(health)")
        let p = try RawClient(port: s.port).call(Request(id: 3, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))))
        #expect(p.status.code == .ok, "\(p.status)")

        // A good file (another model) replaces it: served after the next scan.
        let other = try Fixtures.germanModel(trees: 4, seed: 7)
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("grove-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        _ = try Fixtures.publish(other, into: staging)
        try FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(at: staging.appendingPathComponent("german_credit/1/model.grove"), to: file)
        s.server.registry.rescan()
        let after = try #require(try info())
        #expect(after.sha256 != before.sha256)
        #expect(after.trees == 4)
    }

    @Test func labelsPointAtVersionsAndReloadWithTheRepository() throws {
        let s = try TestServer { repo in
            try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
            try Fixtures.publish(Fixtures.germanModel(trees: 4), into: repo)
            try "label stable 1\nlabel canary 2 # new\n".write(to: repo.appendingPathComponent("german_credit/serving"), atomically: true, encoding: .utf8)
        }
        let c = try RawClient(port: s.port)
        func version(_ label: String) throws -> UInt64? {
            let r = try c.call(Request(id: 1, call: .modelInfo(ModelSelector(name: "german_credit", label: label))))
            if case let .modelInfo(i)? = r.result { return i.version }
            return nil
        }
        #expect(try version("stable") == 1)
        #expect(try version("canary") == 2)
        try "label stable 2\n".write(to: s.repository.appendingPathComponent("german_credit/serving"), atomically: true, encoding: .utf8)
        var moved = false
        for _ in 0..<100 where !moved { usleep(50_000); moved = try version("stable") == 2 }
        #expect(moved)
        #expect(try version("canary") == nil)
        let latest = try c.call(Request(id: 2, call: .modelInfo(ModelSelector(name: "german_credit"))))
        if case let .modelInfo(i)? = latest.result { #expect(i.version == 2) } else { Issue.record("no latest") }
    }

    /// Loops read the registry without a lock through their own copy of the snapshot; a loop
    /// that gets no request after a swap must still let go of the old one (and of the model its
    /// hot path resolved), or a retired version would stay in memory.
    @Test func aRetiredVersionIsFreedOnceNoLoopHoldsIt() throws {
        let model = try Fixtures.germanModel(trees: 3)
        let s = try TestServer { _ = try Fixtures.publish(model, into: $0) }
        let m = ModelSelector(name: "german_credit")
        let row = [Double](repeating: 0.5, count: model.forest.numFeatures)
        var clients: [RawClient] = []
        for i in 0..<8 {  // connections land on both loops; each answers dense rows (its cached model) and a record
            let c = try RawClient(port: s.port)
            clients.append(c)
            for request in [PredictRequest(model: m, dense: row), PredictRequest(model: m, records: [Fixtures.germanRecord(i)])] {
                let r = try c.call(Request(id: UInt64(i), call: .predict(request)))
                guard case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return }
                #expect(p.version == 1)
            }
        }
        weak var first = Self.served(s, version: 1)
        #expect(first != nil)
        _ = try Fixtures.publish(Fixtures.germanModel(trees: 4, seed: 7), into: s.repository)
        try FileManager.default.removeItem(at: s.repository.appendingPathComponent("german_credit/1"))
        let deadline = Date().addingTimeInterval(10)
        while first != nil && Date() < deadline { usleep(20_000) }
        #expect(first == nil, "version 1 left the repository but is still held")
        for (i, c) in clients.enumerated() {  // the same connections now answer from version 2
            let r = try c.call(Request(id: UInt64(i), call: .predict(PredictRequest(model: m, dense: row))))
            guard case let .predict(p)? = r.result else { Issue.record("\(r.status)"); return }
            #expect(p.version == 2)
        }
    }

    private static func served(_ s: TestServer, version: UInt64) -> ServedModel? {
        if case let .success(model) = s.server.registry.snapshot.resolve(ModelSelector(name: "german_credit", version: version)) { return model }
        return nil
    }

    @Test func statsCountRequestsRowsAndErrorsPerVersion() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 3), into: $0) }
        let c = try RawClient(port: s.port)
        let m = ModelSelector(name: "german_credit")
        for i in 0..<10 {
            _ = try c.call(Request(id: UInt64(i), call: .predict(PredictRequest(model: m, records: [Fixtures.germanRecord(i), Fixtures.germanRecord(i + 1)]))))
        }
        _ = try c.call(Request(id: 99, call: .predict(PredictRequest(model: m, dense: [1]))))
        let r = try c.call(Request(id: 100, call: .stats))
        guard case let .stats(st)? = r.result, let ms = st.models.first else { Issue.record("no stats"); return }
        #expect(ms.name == "german_credit" && ms.version == 1)
        #expect(ms.requests == 11 && ms.rows == 20 && ms.errors == 1)
        #expect(ms.latencyP50Micros > 0 && ms.latencyMaxMicros >= ms.latencyP99Micros)
    }
}

/// A flag and a completion signal shared with a worker thread.
final class Atomicish: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private let finished = DispatchSemaphore(value: 0)
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
    func done() { finished.signal() }
    func waitDone() { finished.wait() }
}

/// Counts a worker's outcomes.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var failures = 0
    private(set) var requests = 0
    private(set) var versions = Set<UInt64>()
    func fail() { lock.lock(); failures += 1; lock.unlock() }
    func answered(by version: UInt64) { lock.lock(); requests += 1; versions.insert(version); lock.unlock() }
}

@Suite struct ServingPolicyIntegrationTests {
    @Test func versionsOutsideThePolicyAreRetiredNotServed() throws {
        let s = try TestServer { repo in
            try Fixtures.publish(Fixtures.germanModel(trees: 2), into: repo)
            try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
            try Fixtures.publish(Fixtures.germanModel(trees: 4), into: repo)
            try "latest 2\n".write(to: repo.appendingPathComponent("german_credit/serving"), atomically: true, encoding: .utf8)
        }
        let c = try RawClient(port: s.port)
        let r = try c.call(Request(id: 1, call: .listModels))
        guard case let .listModels(ms)? = r.result else { Issue.record("no list"); return }
        #expect(ms.first?.versions.map(\.state) == [.retired, .available, .available])
        let old = try c.call(Request(id: 2, call: .modelInfo(ModelSelector(name: "german_credit", version: 1))))
        #expect(old.status.code == .notFound && old.status.message.contains("serving policy"))
    }
}
