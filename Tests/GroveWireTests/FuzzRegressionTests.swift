// FuzzRegressionTests: replays every input the fuzzers ever found (Fuzz/Regressions/<target>/) through the same code.

import Foundation
import GroveForest
import Testing
@testable import GroveWire
import GroveModelStore

@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func inputs(_ target: String) -> [[UInt8]] {
        let dir = root.appendingPathComponent("Fuzz/Regressions/\(target)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { FileManager.default.contents(atPath: dir.appendingPathComponent($0).path).map { [UInt8]($0) } }
    }

    @Test func frameAndRequestInputs() {
        let decoder = FrameDecoder(limits: FrameLimits(maxFrameBytes: 4096))
        let arena = Arena(limit: 1 << 20)
        for bytes in Self.inputs("FuzzFrames") + Self.inputs("FuzzRequest") {
            _ = decoder.decode(bytes)
            _ = bytes.withUnsafeBytes { try? Request(decoding: $0, arena: arena) }
            _ = bytes.withUnsafeBytes { try? Response(decoding: $0, arena: arena) }
        }
    }

    @Test func modelFileInputs() throws {
        for bytes in Self.inputs("FuzzModelFile") {
            if let model = try? ModelFileCodec.decode(bytes) {
                let compiled = try CompiledForest(forest: model.forest)
                _ = try? compiled.predict(row: [Double](repeating: 0.5, count: model.forest.numFeatures))
            }
        }
    }

    @Test func csvInputs() {
        for bytes in Self.inputs("FuzzCSV") { _ = try? CSVReader.parse(bytes) }
    }
}
