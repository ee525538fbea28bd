// FixtureTests: every committed ONNX fixture imports and answers as the native library and onnxruntime did.

import Foundation
import GroveForest
@testable import GroveONNX
import Testing

/// One fixture: the model file and its rows with the recorded outputs.
struct Fixture {
    let name: String
    let kind: String
    let producer: String
    let features: Int
    let outputs: Int

    static let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func all() throws -> [Fixture] {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(json["fixtures"] as? [[String: Any]])
        return try list.map { f in
            Fixture(name: try #require(f["name"] as? String), kind: try #require(f["kind"] as? String),
                    producer: try #require(f["producer"] as? String), features: try #require(f["features"] as? Int),
                    outputs: try #require(f["outputs"] as? Int))
        }
    }

    /// Files that must be refused, each with words its error must contain.
    static func malformed() throws -> [(name: String, because: String)] {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(json["malformed"] as? [[String: Any]])
        return try list.map { (try #require($0["name"] as? String), try #require($0["refused_because"] as? String)) }
    }

    var bytes: [UInt8] { get throws { [UInt8](try Data(contentsOf: Fixture.directory.appendingPathComponent(name + ".onnx"))) } }

    /// Header and rows of NAME.csv.
    func table() throws -> (header: [String], rows: [[String]]) {
        let text = try String(contentsOf: Fixture.directory.appendingPathComponent(name + ".csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (try #require(lines.first), Array(lines.dropFirst()))
    }
}

@Suite struct FixtureTests {
    @Test func manifestListsEveryFixture() throws {
        let fixtures = try Fixture.all()
        #expect(fixtures.count >= 20)
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.directory.path).filter { $0.hasSuffix(".onnx") }
        let malformed = try Fixture.malformed().map { $0.name + ".onnx" }
        #expect(Set(files) == Set(fixtures.map { $0.name + ".onnx" } + malformed))
    }

    @Test(arguments: try Fixture.all().map(\.name))
    func answersAsNativeAndOnnxruntime(name: String) throws {
        let fixture = try #require(try Fixture.all().first { $0.name == name })
        let imported = try OnnxImporter.importModel(try fixture.bytes, options: .init(name: "m"))
        let model = imported.model
        let compiled = try CompiledForest(forest: model.forest)
        let (header, rows) = try fixture.table()
        #expect(model.preprocessing.featureNames.count == fixture.features)
        #expect(compiled.numOutputs == fixture.outputs)
        #expect(rows.count >= 28)
        let k = fixture.outputs, f = fixture.features
        let nativeColumn = try #require(header.firstIndex(of: "native_0"))
        let ortColumn = try #require(header.firstIndex(of: "ort_0"))
        #expect(nativeColumn == f && ortColumn == f + k)
        // Hand-built graphs have no native library: onnx's reference evaluator differs from
        // onnxruntime on NaN under BRANCH_NEQ, and Grove follows onnxruntime.
        let checkNative = fixture.producer != "grove-fixtures"
        var maxNative = 0.0, maxOrt = 0.0, float32Identical = 0
        for row in rows {
            let x = row.prefix(f).map { Double($0)! }
            let out = try compiled.predict(row: x)
            var identical = true
            for j in 0..<k {
                let native = Double(row[nativeColumn + j])!, ort = Double(row[ortColumn + j])!
                // Regression outputs above 1 are compared relative to their size.
                let scale = fixture.kind == "regressor" ? max(1, abs(ort)) : 1
                maxNative = max(maxNative, abs(out[j] - native) / scale)
                maxOrt = max(maxOrt, abs(out[j] - ort) / scale)
                if Float(out[j]) != Float(ort) { identical = false }
            }
            if identical { float32Identical += 1 }
            if fixture.kind == "classifier" {
                let label = model.preprocessing.classes[out.withUnsafeBufferPointer { CompiledForest.argmax($0) }]
                #expect(label == row[ortColumn + k + 1], "\(name): label")
                if checkNative { #expect(label == row[ortColumn + k], "\(name): native label") }
            }
        }
        // The batch walk answers as the single-row walk and the reference walk, bit for bit.
        let values = rows.flatMap { $0.prefix(f).map { Double($0)! } }
        let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: rows.count, featureCount: f, values: values))
        for (r, row) in rows.enumerated() {
            let x = row.prefix(f).map { Double($0)! }
            let reference = model.forest.predictReference(row: x)
            #expect(try compiled.predict(row: x) == reference, "\(name): row \(r) single-row walk")
            #expect(Array(batch[(r * k)..<((r + 1) * k)]) == reference, "\(name): row \(r) batch walk")
        }
        print("fixture \(name): max |Δ| native \(checkNative ? String(maxNative) : "-") onnxruntime \(maxOrt); "
              + "\(float32Identical)/\(rows.count) rows float32-identical to onnxruntime")
        #expect(maxOrt <= 1e-6, "\(name): onnxruntime differs by \(maxOrt)")
        if checkNative { #expect(maxNative <= 1e-6, "\(name): the native library differs by \(maxNative)") }
    }
}
