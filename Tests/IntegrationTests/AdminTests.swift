// AdminTests: admin calls exist only with --admin, need the admin role, and change the repository.

import Foundation
import Glibc
import GroveClient
@testable import GroveServer
import GroveWire
import Synchronization
import Testing
import GroveModelStore

@Suite struct AdminTests {
    static func server(admin: Bool = true) throws -> (TestServer, URL) {
        let keys = try AuthTests.keyFile([("ops", .admin, "admin-key"), ("desk", .predict, "predict-key")])
        let s = try TestServer(configure: { $0.keysFile = keys; $0.admin = admin }) { repo in
            try Fixtures.publish(Fixtures.germanModel(trees: 2), into: repo)
            try Fixtures.publish(Fixtures.germanModel(trees: 3), into: repo)
        }
        return (s, keys)
    }

    static func client(_ s: TestServer, key: String) throws(GroveClientError) -> GroveClient {
        var c = GroveClient.Configuration(endpoints: [Endpoint(host: "127.0.0.1", port: s.port)])
        c.apiKey = key
        return try GroveClient(configuration: c)
    }

    @Test func adminCallsAreAbsentWithoutTheFlagAndNeedTheAdminRole() throws {
        let (off, k1) = try Self.server(admin: false)
        defer { try? FileManager.default.removeItem(at: k1) }
        do {
            _ = try Self.client(off, key: "admin-key").admin(.unloadVersion(model: "german_credit", version: 1))
            Issue.record("admin call answered without --admin")
        } catch { #expect(error.code == .unimplemented) }

        let (on, k2) = try Self.server()
        defer { try? FileManager.default.removeItem(at: k2) }
        do {
            _ = try Self.client(on, key: "predict-key").admin(.unloadVersion(model: "german_credit", version: 1))
            Issue.record("a predict key made an admin call")
        } catch { #expect(error.code == .permissionDenied) }
        do {
            _ = try Self.client(on, key: "admin-key").admin(.setLabel(model: "../etc", label: "x", version: 1))
            Issue.record("a path-like model name was accepted")
        } catch { #expect(error.code == .invalidArgument) }
    }

    @Test func labelsUnloadAndLoadChangeWhatIsServed() throws {
        let (s, keys) = try Self.server()
        defer { try? FileManager.default.removeItem(at: keys) }
        let admin = try Self.client(s, key: "admin-key")
        let m = "german_credit"
        _ = try admin.admin(.setLabel(model: m, label: "stable", version: 1))
        #expect(try Fixtures.eventually { (try? admin.modelInfo(ModelSelector(name: m, label: "stable")))?.version == 1 })
        do {
            _ = try admin.admin(.setLabel(model: m, label: "canary", version: 9))
            Issue.record("label to a missing version accepted")
        } catch { #expect(error.code == .failedPrecondition) }

        _ = try admin.admin(.unloadVersion(model: m, version: 2))
        #expect(try Fixtures.eventually { try admin.modelInfo(ModelSelector(name: m)).version == 1 })
        let states = try admin.listModels().first?.versions ?? []
        #expect(states.first { $0.version == 2 }?.state == .retired)
        #expect(states.first { $0.version == 2 }?.reason.contains("unloaded") == true)

        _ = try admin.admin(.loadVersion(model: m, version: 2))
        #expect(try Fixtures.eventually { try admin.modelInfo(ModelSelector(name: m)).version == 2 })
        // The state lives in the repository: REPO/NAME/serving.
        let text = try String(contentsOf: s.repository.appendingPathComponent("german_credit/serving"), encoding: .utf8)
        #expect(text.contains("label stable 1") && !text.contains("unload 2"))
    }

    /// Admin calls from connections on both loops at once lose nothing: every label set (each a
    /// read, change and write of REPO/NAME/serving) is in the file, and concurrent chunked
    /// uploads each publish their version.
    @Test func concurrentAdminCallsLoseNoChange() throws {
        let (s, keys) = try Self.server()
        defer { try? FileManager.default.removeItem(at: keys) }
        let m = "german_credit", labelThreads = 6, perThread = 12
        let bytes = ModelFileCodec.encode(try Fixtures.germanModel(name: "other_name", trees: 4))
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for t in 0..<labelThreads + 2 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    // Own clients and connections: the kernel spreads them over the server's two loops
                    // (SO_REUSEPORT), so that calls run on both at once.
                    let admin = try Self.client(s, key: "admin-key")
                    if t < labelThreads {
                        for k in 0..<perThread { _ = try admin.admin(.setLabel(model: m, label: "t\(t)_\(k)", version: 1)) }
                    } else {
                        _ = try admin.uploadModel(name: m, file: bytes, sha256: ModelFileCodec.sha256Hex(bytes), chunkBytes: 3_000)
                    }
                } catch {
                    failures.withLock { $0.append("thread \(t): \(error)") }
                }
            }.start()
        }
        // Bounded: a lock regression that deadlocks fails here instead of hanging `make test`.
        #expect(group.wait(timeout: .now() + 120) == .success, "concurrent admin calls did not finish in 120 s")
        #expect(failures.withLock { $0 } == [])
        let text = try String(contentsOf: s.repository.appendingPathComponent("\(m)/serving"), encoding: .utf8)
        let lost = (0..<labelThreads).flatMap { t in (0..<perThread).map { "label t\(t)_\($0) 1" } }.filter { !text.contains($0 + "\n") }
        #expect(lost == [], "labels lost by concurrent policy changes")
        #expect(ModelRepository.versions(repository: s.repository, name: m) == [1, 2, 3, 4])
    }

    @Test func uploadInChunksPublishesTheNextVersion() throws {
        let (s, keys) = try Self.server()
        defer { try? FileManager.default.removeItem(at: keys) }
        let admin = try Self.client(s, key: "admin-key")
        let bytes = ModelFileCodec.encode(try Fixtures.germanModel(name: "other_name", trees: 4))
        let r = try admin.uploadModel(name: "german_credit", file: bytes, sha256: ModelFileCodec.sha256Hex(bytes), chunkBytes: 7_000)
        #expect(r.version == 3)
        #expect(try Fixtures.eventually { (try? admin.modelInfo(ModelSelector(name: "german_credit", version: 3)))?.trees == 4 })
        let p = try admin.predict(ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)])
        #expect(p.version == 3)

        // A corrupted upload is refused and publishes nothing.
        var chunk = UploadChunk(model: "german_credit", uploadID: "bad-1", offset: 0, data: Array(bytes.prefix(100)),
                                totalSize: 100, last: true, sha256: String(repeating: "0", count: 64))
        do { _ = try admin.admin(.upload(chunk)); Issue.record("bad sha accepted") } catch { #expect(error.code == .dataLoss) }
        chunk = UploadChunk(model: "german_credit", uploadID: "bad-2", offset: 5, data: [1], totalSize: 10)
        do { _ = try admin.admin(.upload(chunk)); Issue.record("out-of-order chunk accepted") } catch { #expect(error.code == .failedPrecondition) }
        let junk = Array("not a model at all".utf8)
        chunk = UploadChunk(model: "german_credit", uploadID: "bad-3", offset: 0, data: junk, totalSize: UInt64(junk.count),
                            last: true, sha256: ModelFileCodec.sha256Hex(junk))
        do { _ = try admin.admin(.upload(chunk)); Issue.record("junk accepted") } catch { #expect(error.code == .invalidArgument) }
        #expect(ModelRepository.versions(repository: s.repository, name: "german_credit") == [1, 2, 3])
    }

    @Test func adminWithoutKeysIsRefusedAtStart() throws {
        var config = ServerConfiguration(repository: FileManager.default.temporaryDirectory)
        config.port = 0
        config.handleSignals = false
        config.admin = true
        #expect(throws: Server.StartError.self) { try Server(configuration: config).start() }
    }
}
