// TextIntegrityTests: client text is taken exactly as sent: a NUL byte or invalid UTF-8 in any
// text field is INVALID_ARGUMENT naming the field, never cut at the NUL (protobuf-c C strings did).

import Foundation
import GroveServer
import GroveWire
import Testing

@Suite struct TextIntegrityTests {
    static let nul = "\u{0}"

    /// Each text field of a request, with a NUL inside, over the wire; the answer names the field.
    @Test func aNulInAnyTextFieldIsRefusedNamingTheField() throws {
        let keys = try AuthTests.keyFile([("ops", .admin, "admin-key")])
        defer { try? FileManager.default.removeItem(at: keys) }
        let s = try TestServer(configure: { $0.keysFile = keys; $0.admin = true }) { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) }
        let c = try RawClient(port: s.port)
        let key = "admin-key"
        let gc = "german_credit"
        let dense = [Double](repeating: 0, count: 61)
        let record = Fixtures.germanRecord(0)
        var badName = record; badName.fields[0].name += Self.nul + "x"
        var badText = record
        let textIndex = try #require(badText.fields.firstIndex { if case .text = $0.value { return true } else { return false } })
        badText.fields[textIndex].value = .text("own" + Self.nul + "x")
        let cases: [(String, Request)] = [
            ("Request.api_key", Request(id: 1, apiKey: key + Self.nul + "anything", call: .health)),
            ("ModelSelector.name", Request(id: 2, apiKey: key, call: .modelInfo(ModelSelector(name: gc + Self.nul + "x")))),
            ("ModelSelector.name", Request(id: 3, apiKey: key, call: .predict(PredictRequest(model: ModelSelector(name: gc + Self.nul + "x"), dense: dense)))),
            ("ModelSelector.name", Request(id: 4, apiKey: key, call: .predict(PredictRequest(model: ModelSelector(name: gc + Self.nul), records: [record])))),
            ("ModelSelector.label", Request(id: 5, apiKey: key, call: .predict(PredictRequest(model: ModelSelector(name: gc, label: "stable" + Self.nul + "x"), dense: dense)))),
            ("Field.name", Request(id: 6, apiKey: key, call: .predict(PredictRequest(model: ModelSelector(name: gc), records: [badName])))),
            ("Field.text", Request(id: 7, apiKey: key, call: .predict(PredictRequest(model: ModelSelector(name: gc), records: [badText])))),
            ("SetLabel.model", Request(id: 8, apiKey: key, call: .admin(.setLabel(model: gc + Self.nul, label: "stable", version: 1)))),
            ("SetLabel.label", Request(id: 9, apiKey: key, call: .admin(.setLabel(model: gc, label: "stable" + Self.nul + "x", version: 1)))),
            ("LoadVersion.model", Request(id: 10, apiKey: key, call: .admin(.loadVersion(model: gc + Self.nul, version: 1)))),
            ("UnloadVersion.model", Request(id: 11, apiKey: key, call: .admin(.unloadVersion(model: gc + Self.nul, version: 1)))),
            ("UploadChunk.model", Request(id: 12, apiKey: key, call: .admin(.upload(UploadChunk(model: gc + Self.nul, uploadID: "u1", offset: 0, data: [1], totalSize: 1, last: false, sha256: ""))))),
            ("UploadChunk.upload_id", Request(id: 13, apiKey: key, call: .admin(.upload(UploadChunk(model: gc, uploadID: "u1" + Self.nul, offset: 0, data: [1], totalSize: 1, last: false, sha256: ""))))),
            ("UploadChunk.sha256", Request(id: 14, apiKey: key, call: .admin(.upload(UploadChunk(model: gc, uploadID: "u2", offset: 0, data: [1], totalSize: 1, last: true, sha256: "ab" + Self.nul))))),
        ]
        for (field, request) in cases {
            let r = try c.call(request)
            #expect(r.status.code == .invalidArgument, "\(field) (request \(request.id)): \(r.status)")
            #expect(r.status.message.contains(field) && r.status.message.contains("NUL"), "\(field): \(r.status.message)")
            #expect(r.id == request.id)
        }
        // The same requests without the NUL are answered (the refusal was the NUL, not the rest).
        #expect(try c.call(Request(id: 20, apiKey: key, call: .modelInfo(ModelSelector(name: gc)))).status.code == .ok)
        #expect(try c.call(Request(id: 21, apiKey: key, call: .predict(PredictRequest(model: ModelSelector(name: gc), dense: dense)))).status.code == .ok)
        // Nothing was changed by the refused admin calls.
        #expect(!FileManager.default.fileExists(atPath: s.repository.appendingPathComponent("german_credit/serving").path))
    }

    /// Invalid UTF-8 (here a lone 0xFF in a model name) is refused too, not repaired.
    @Test func invalidUTF8IsRefusedNotRepaired() throws {
        let s = try TestServer { try Fixtures.publish(Fixtures.germanModel(trees: 2), into: $0) }
        let c = try RawClient(port: s.port)
        let name: [UInt8] = Array("german_credit".utf8) + [0xFF]
        // Request { id: 1, model_info (12) { model (1) { name (1): bytes } } }, written by hand.
        let selector: [UInt8] = [0x0A, UInt8(name.count)] + name
        let info: [UInt8] = [0x0A, UInt8(selector.count)] + selector
        let body: [UInt8] = [0x08, 0x01, 0x62, UInt8(info.count)] + info
        try c.send(FrameEncoder.frame(body))
        let r = try c.readResponse()
        #expect(r.status.code == .invalidArgument)
        #expect(r.status.message.contains("ModelSelector.name") && r.status.message.contains("UTF-8"), "\(r.status.message)")
    }
}
