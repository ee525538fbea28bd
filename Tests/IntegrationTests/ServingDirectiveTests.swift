// ServingDirectiveTests: the `versions` directive of REPO/NAME/serving, and labels that point at a
// version that failed to load or is retired: NOT_FOUND with the reason, never another version.

import Foundation
import GroveWire
import Testing

@Suite struct ServingDirectiveTests {
    static func write(_ text: String, _ repo: URL) throws {
        try text.write(to: repo.appendingPathComponent("german_credit/serving"), atomically: true, encoding: .utf8)
    }

    static func version(_ c: RawClient, _ selector: ModelSelector) throws -> Response {
        try c.call(Request(id: 1, call: .modelInfo(selector)))
    }

    @Test func theVersionsDirectiveServesExactlyTheVersionsNamed() throws {
        let s = try TestServer { repo in
            for trees in 2...5 { try Fixtures.publish(Fixtures.germanModel(trees: trees), into: repo) }
            try Self.write("versions 1 3\n", repo)
        }
        let c = try RawClient(port: s.port)
        guard case let .listModels(ms)? = try c.call(Request(id: 1, call: .listModels)).result else { Issue.record("no list"); return }
        #expect(ms.first?.versions.map(\.state) == [.available, .retired, .available, .retired])
        for v: UInt64 in [1, 3] { #expect(try Self.version(c, ModelSelector(name: "german_credit", version: v)).status.code == .ok) }
        for v: UInt64 in [2, 4] {
            let r = try Self.version(c, ModelSelector(name: "german_credit", version: v))
            #expect(r.status.code == .notFound && r.status.message.contains("serving policy"), "\(r.status)")
        }
        // Latest is the newest version served, not the newest published.
        guard case let .modelInfo(latest)? = try Self.version(c, ModelSelector(name: "german_credit")).result else { Issue.record("no latest"); return }
        #expect(latest.version == 3)
        // Changing the directive moves what is served at the next scan.
        try Self.write("versions 4\n", s.repository)
        var moved = false
        for _ in 0..<100 where !moved {
            usleep(50_000)
            if case let .modelInfo(i)? = try Self.version(c, ModelSelector(name: "german_credit")).result { moved = i.version == 4 }
        }
        #expect(moved)
        #expect(try Self.version(c, ModelSelector(name: "german_credit", version: 1)).status.code == .notFound)
    }

    @Test func aLabelOnAFailedOrRetiredVersionIsNotFoundWithTheReason() throws {
        let s = try TestServer { repo in
            for trees in 2...3 { try Fixtures.publish(Fixtures.germanModel(trees: trees), into: repo) }
            // Version 3: a damaged file (fails to load).
            let dir = repo.appendingPathComponent("german_credit/3")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data([1, 2, 3]).write(to: dir.appendingPathComponent("model.grove"))
            try Self.write("versions 2 3\nlabel stable 1\nlabel canary 3\nlabel current 2\n", repo)
        }
        let c = try RawClient(port: s.port)
        let retired = try Self.version(c, ModelSelector(name: "german_credit", label: "stable"))
        #expect(retired.status.code == .notFound && retired.status.message.contains("version 1") && retired.status.message.contains("serving policy"), "\(retired.status)")
        let failed = try Self.version(c, ModelSelector(name: "german_credit", label: "canary"))
        #expect(failed.status.code == .notFound && failed.status.message.contains("version 3") && failed.status.message.contains("failed to load"), "\(failed.status)")
        let predict = try c.call(Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit", label: "canary"),
                                                                               records: [Fixtures.germanRecord(0)]))))
        #expect(predict.status.code == .notFound, "a prediction through a label on a failed version was answered: \(predict.status)")
        guard case let .modelInfo(current)? = try Self.version(c, ModelSelector(name: "german_credit", label: "current")).result else {
            Issue.record("the label on a served version does not resolve"); return
        }
        #expect(current.version == 2)
        guard case let .listModels(ms)? = try c.call(Request(id: 3, call: .listModels)).result else { Issue.record("no list"); return }
        #expect(ms.first?.labels.map(\.name).sorted() == ["canary", "current", "stable"])
    }
}
