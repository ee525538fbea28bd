// ModelFileCodecTests: model files round-trip exactly, and hostile bytes are refused, never crash.

import Foundation
import GroveForest
import GroveModelStore
import GroveWire
import Testing

@Suite struct ModelFileCodecTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func smallModel(trees: Int = 5) throws -> TrainedModel {
        let table = try CSVReader.read(path: root.appendingPathComponent("data/german_credit.csv").path)
        var p = TrainingParameters(task: .classification)
        p.trees = trees
        p.maxDepth = 6
        return try ModelTrainer.train(table: table, target: "creditability", task: .classification, positive: "bad",
                                      parameters: p, name: "german_credit", version: 3, producer: "test",
                                      trainingDataSHA256: Array(repeating: 7, count: 32), createdUnixMicros: 1_700_000_000_000_000)
    }

    @Test func roundTripIsExact() throws {
        let model = try Self.smallModel()
        let bytes = ModelFileCodec.encode(model)
        let back = try ModelFileCodec.decode(bytes)
        #expect(back == model)
        #expect(ModelFileCodec.encode(back) == bytes)  // deterministic bytes, so the SHA-256 identifies the model
        #expect(back.preprocessing.featureNames.count == 61)
        #expect(back.trainingDataSHA256 == Array(repeating: 7, count: 32))
    }

    @Test func sha256MatchesAKnownVector() {
        #expect(ModelFileCodec.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func truncatedFilesAreRefusedAtEveryCut() throws {
        let bytes = ModelFileCodec.encode(try Self.smallModel(trees: 2))
        var refused = 0
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            do {
                _ = try ModelFileCodec.decode(Array(bytes[..<cut]))
                Issue.record("a file cut at \(cut) of \(bytes.count) bytes was accepted")
            } catch {
                refused += 1
            }
        }
        #expect(refused > 100)
    }

    @Test func bitFlipsNeverCrashAndMostAreRefused() throws {
        let model = try Self.smallModel(trees: 2)
        let bytes = ModelFileCodec.encode(model)
        var rng = SplitMix(seed: 1)
        var accepted = 0
        for _ in 0..<2000 {
            var b = bytes
            let i = Int(rng.next() % UInt64(b.count))
            b[i] ^= UInt8(1 << (rng.next() % 8))
            // Either refused with a reason, or (a flip in a leaf value or a
            // threshold) a valid model that differs from the original.
            if let m = try? ModelFileCodec.decode(b) {
                accepted += 1
                try m.validate()
            }
        }
        #expect(accepted < 2000)
    }

    @Test func hostileStructuresAreRefusedWithReasons() throws {
        var model = try Self.smallModel(trees: 1)
        model.forest.trees[0].left[0] = 0          // root's child points at itself: a cycle
        model.forest.trees[0].right[0] = 0
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(ModelFileCodec.encode(model)) }

        var bad = try Self.smallModel(trees: 1)
        bad.forest.trees[0].feature[0] = 10_000     // feature index outside the schema
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(ModelFileCodec.encode(bad)) }

        var nan = try Self.smallModel(trees: 1)
        nan.forest.trees[0].threshold[0] = .nan
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(ModelFileCodec.encode(nan)) }
    }

    @Test func garbageAndEmptyAreNotModelFiles() {
        #expect(throws: ModelFileError.notAModelFile) { try ModelFileCodec.decode([]) }
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(Array("#!/bin/sh\nrm -rf /\n".utf8)) }
    }

    @Test func unknownFormatVersionIsRefused() throws {
        // format_version = 2, nothing else.
        #expect(throws: ModelFileError.unsupportedFormat(2)) { try ModelFileCodec.decode([0x08, 0x02]) }
    }
}

/// A tiny deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
