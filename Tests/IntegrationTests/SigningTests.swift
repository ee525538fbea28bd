// SigningTests: with --trusted-signers, only versions signed by a listed key are served; the others
// are FAILED with the reason while the rest keep serving. ModelInfo names the signer, and an admin
// upload keeps the signature. The CLI (grove keys signing-key, grove sign) makes and applies keys.

import Crypto
import Foundation
import GroveClient
import GroveForest
import GroveModelStore
import GroveServer
import GroveWire
import Testing

@Suite struct SigningTests {
    static func hex(_ key: Curve25519.Signing.PrivateKey) -> String {
        key.publicKey.rawRepresentation.map { String(format: "%02x", $0) }.joined()
    }

    /// Writes `model` as `version` of its name with an optional signature.
    static func put(_ model: TrainedModel, version: UInt64, key: Curve25519.Signing.PrivateKey?, into repo: URL) throws {
        var m = model
        m.version = version
        let signature = try key.map { try ModelSignature.sign(m, key: $0, signer: "self-named") }
        let dir = repo.appendingPathComponent("\(m.name)/\(version)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(ModelFileCodec.encode(m, signature: signature)).write(to: dir.appendingPathComponent("model.grove"))
    }

    @Test func onlyVersionsSignedByATrustedKeyAreServed() throws {
        let trusted = Curve25519.Signing.PrivateKey()
        let stranger = Curve25519.Signing.PrivateKey()
        let signers = FileManager.default.temporaryDirectory.appendingPathComponent("grove-signers-\(UUID().uuidString)")
        try "# risk committee\nrisk-committee \(Self.hex(trusted))\n".write(to: signers, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: signers) }
        let model = try Fixtures.germanModel(trees: 3)
        let s = try TestServer(configure: { $0.trustedSignersFile = signers }) { repo in
            try Self.put(model, version: 1, key: trusted, into: repo)
            try Self.put(model, version: 2, key: nil, into: repo)
            try Self.put(model, version: 3, key: stranger, into: repo)
            // Version 4: signed by the trusted key, then its content changed and resealed.
            var changed = model
            changed.version = 4
            var signature = try ModelSignature.sign(changed, key: trusted, signer: "x")
            changed.forest.trees[0].leafValues[0] += 0.25
            let dir = repo.appendingPathComponent("german_credit/4")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            signature.signer = "risk-committee"
            try Data(ModelFileCodec.encode(changed, signature: signature)).write(to: dir.appendingPathComponent("model.grove"))
        }
        let c = try RawClient(port: s.port)
        guard case let .listModels(ms)? = try c.call(Request(id: 1, call: .listModels)).result, let versions = ms.first?.versions else {
            Issue.record("no list"); return
        }
        #expect(versions.map(\.state) == [.available, .failed, .failed, .failed])
        #expect(versions[1].reason.contains("unsigned"), "\(versions[1].reason)")
        #expect(versions[2].reason.contains("not in --trusted-signers"), "\(versions[2].reason)")
        #expect(versions[3].reason.contains("does not verify"), "\(versions[3].reason)")
        guard case let .modelInfo(info)? = try c.call(Request(id: 2, call: .modelInfo(ModelSelector(name: "german_credit")))).result else {
            Issue.record("no info"); return
        }
        #expect(info.version == 1 && info.signer == "risk-committee")
        #expect(info.signerKeySHA256 == ModelFileCodec.sha256Hex(Array(trusted.publicKey.rawRepresentation)))
        let p = try c.call(Request(id: 3, call: .predict(PredictRequest(model: ModelSelector(name: "german_credit"), records: [Fixtures.germanRecord(0)]))))
        #expect(p.status.code == .ok)
    }

    @Test func withoutTrustedSignersASignatureIsShownAndABrokenOneRefused() throws {
        let key = Curve25519.Signing.PrivateKey()
        let model = try Fixtures.germanModel(trees: 2)
        let s = try TestServer { repo in
            try Self.put(model, version: 1, key: key, into: repo)
            try Self.put(model, version: 2, key: nil, into: repo)
        }
        let c = try RawClient(port: s.port)
        guard case let .modelInfo(v1)? = try c.call(Request(id: 1, call: .modelInfo(ModelSelector(name: "german_credit", version: 1)))).result,
              case let .modelInfo(v2)? = try c.call(Request(id: 2, call: .modelInfo(ModelSelector(name: "german_credit", version: 2)))).result else {
            Issue.record("not both served"); return
        }
        #expect(v1.signer == "self-named (not a trusted signer)" && v1.signerKeySHA256.count == 64)
        #expect(v2.signer.isEmpty && v2.signerKeySHA256.isEmpty)
    }

    @Test func anAdminUploadKeepsTheSignature() throws {
        let trusted = Curve25519.Signing.PrivateKey()
        let signers = FileManager.default.temporaryDirectory.appendingPathComponent("grove-signers-\(UUID().uuidString)")
        try "ops \(Self.hex(trusted))\n".write(to: signers, atomically: true, encoding: .utf8)
        let keys = try AuthTests.keyFile([("ops", .admin, "admin-key")])
        defer { try? FileManager.default.removeItem(at: signers); try? FileManager.default.removeItem(at: keys) }
        let s = try TestServer(configure: { $0.keysFile = keys; $0.admin = true; $0.trustedSignersFile = signers })
        var client = GroveClient.Configuration(endpoints: [Endpoint(host: "127.0.0.1", port: s.port)])
        client.apiKey = "admin-key"
        let admin = try GroveClient(configuration: client)
        // Signed under another name and version number: the upload publishes it as german_credit@1.
        let model = try Fixtures.germanModel(name: "staging", trees: 2)
        let bytes = ModelFileCodec.encode(model, signature: try ModelSignature.sign(model, key: trusted, signer: "ops"))
        let r = try admin.uploadModel(name: "german_credit", file: bytes, sha256: ModelFileCodec.sha256Hex(bytes))
        #expect(r.version == 1)
        #expect(try Fixtures.eventually { (try? admin.modelInfo(ModelSelector(name: "german_credit", version: 1)))?.signer == "ops" })
        let stored = try [UInt8](Data(contentsOf: s.repository.appendingPathComponent("german_credit/1/model.grove")))
        #expect(try ModelFileCodec.decodeSealed(stored).signature?.verifies(ModelFileCodec.decode(stored)) == true)
    }

    /// `grove keys signing-key` and `grove sign`, as an operator runs them.
    @Test func theCommandLineMakesAKeyAndSignsAVersion() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let repo = dir.appendingPathComponent("repo")
        try Fixtures.publish(Fixtures.germanModel(trees: 2), into: repo)
        func grove(_ args: [String]) throws -> (Int32, String) {
            let run = try Fixtures.runGrove(args)
            return (run.status, run.stdout)
        }
        let keyFile = dir.appendingPathComponent("committee.key").path
        let (made, line) = try grove(["keys", "signing-key", "--out", keyFile])
        #expect(made == 0 && line.hasPrefix("committee "))
        #expect(try grove(["keys", "signing-key", "--out", keyFile]).0 != 0, "an existing signing key was overwritten")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let (signed, _) = try grove(["sign", "--key", keyFile, repo.appendingPathComponent("german_credit/1").path])
        #expect(signed == 0)
        let signers = dir.appendingPathComponent("signers")
        try line.write(to: signers, atomically: true, encoding: .utf8)
        let s = try TestServer(configure: { $0.trustedSignersFile = signers }) {
            try FileManager.default.copyItem(at: repo.appendingPathComponent("german_credit"), to: $0.appendingPathComponent("german_credit"))
        }
        let r = try RawClient(port: s.port).call(Request(id: 1, call: .modelInfo(ModelSelector(name: "german_credit"))))
        guard case let .modelInfo(info)? = r.result else { Issue.record("the signed version is not served: \(r.status)"); return }
        #expect(info.signer == "committee")
    }
}
