// ModelFileCodecTests: model files round-trip exactly, and hostile bytes are refused, never crash.

import Crypto
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

    /// The seal's digest is checked before any field: a file cut at any point is refused.
    @Test func truncatedFilesAreRefusedAtEveryCut() throws {
        let bytes = ModelFileCodec.encode(try Self.smallModel(trees: 2))
        var refused = 0
        for cut in 0..<bytes.count {
            do {
                _ = try ModelFileCodec.decode(Array(bytes[..<cut]))
                Issue.record("a file cut at \(cut) of \(bytes.count) bytes was accepted")
            } catch {
                #expect(!error.description.isEmpty)
                refused += 1
            }
        }
        #expect(refused == bytes.count)
    }

    /// Every single-bit flip of the header, and 4,000 sampled flips of the whole file, are
    /// refused with a reason (100 %): a flipped leaf value or threshold no longer loads.
    @Test func everySingleBitFlipIsRefused() throws {
        let model = try Self.smallModel(trees: 2)
        let signed = ModelFileCodec.encode(model, signature: try ModelSignature.sign(model, key: .init(), signer: "t"))
        for bytes in [ModelFileCodec.encode(model), signed] {
            var positions = Array(0..<(ModelSeal.headerBytes * 8))
            var rng = SplitMix(seed: 1)
            for _ in 0..<4000 { positions.append(Int(rng.next() % UInt64(bytes.count * 8))) }
            for bit in positions {
                var b = bytes
                b[bit / 8] ^= UInt8(1 << (bit % 8))
                do {
                    _ = try ModelFileCodec.decode(b)
                    Issue.record("a flip of bit \(bit % 8) of byte \(bit / 8) (of \(bytes.count)) was accepted")
                } catch {
                    #expect(!error.description.isEmpty)
                }
            }
        }
    }

    @Test func aSignatureCoversTheContentNotTheNameOrVersion() throws {
        let key = Curve25519.Signing.PrivateKey()
        var model = try Self.smallModel(trees: 2)
        let signature = try ModelSignature.sign(model, key: key, signer: "risk-committee")
        let (back, carried) = try ModelFileCodec.decodeSealed(ModelFileCodec.encode(model, signature: signature))
        #expect(back == model && carried == signature)
        #expect(signature.verifies(back))
        #expect(signature.keySHA256Hex == ModelFileCodec.sha256Hex(Array(key.publicKey.rawRepresentation)))
        // Published under another name and version (admin upload): still valid.
        var moved = model
        moved.name = "other"
        moved.version = 9
        #expect(signature.verifies(moved))
        // Any change of content is not.
        model.forest.trees[0].leafValues[0] += 1e-9
        #expect(!signature.verifies(model))
        // Nor another key's claim.
        var forged = signature
        forged.publicKey = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        #expect(!forged.verifies(moved))
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

    @Test func calibrationAndReliabilityRoundTripAndHostileOnesAreRefused() throws {
        var model = try Self.smallModel(trees: 3)
        #expect(model.outOfBagReliability.count == 10)
        model.calibration = ProbabilityCalibration(method: .isotonic, plattA: 0, plattB: 0, knotsX: [0.1, 0.4, 0.8],
                                                   knotsY: [0.05, 0.3, 0.7], floor: 0.001)
        model.params.calibration = .isotonic
        let back = try ModelFileCodec.decode(ModelFileCodec.encode(model))
        #expect(back == model)
        model.calibration = ProbabilityCalibration(method: .platt, plattA: -5, plattB: 2.5, knotsX: [], knotsY: [], floor: 0.001)
        #expect(try ModelFileCodec.decode(ModelFileCodec.encode(model)) == model)

        var decreasing = model
        decreasing.calibration = ProbabilityCalibration(method: .isotonic, plattA: 0, plattB: 0, knotsX: [0.1, 0.4],
                                                        knotsY: [0.5, 0.3], floor: 0)
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(ModelFileCodec.encode(decreasing)) }
        var infinite = model
        infinite.calibration.plattA = .infinity
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(ModelFileCodec.encode(infinite)) }
        var wideFloor = model
        wideFloor.calibration.floor = 0.7
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(ModelFileCodec.encode(wideFloor)) }
    }

    @Test func garbageEmptyAndUnsealedBytesAreRefused() throws {
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode([]) }
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(Array("#!/bin/sh\nrm -rf /\n".utf8)) }
        // A bare payload (a file from before sealing) is refused: its fields are never read.
        let payload = ModelFileCodec.payload(try Self.smallModel(trees: 1))
        #expect(throws: ModelFileError.self) { try ModelFileCodec.decode(payload) }
        #expect(throws: ModelFileError.notAModelFile) { try ModelFileCodec.decodePayload([]) }
    }

    @Test func unknownFormatVersionIsRefused() throws {
        // format_version = 2, nothing else; sealed, so the refusal comes from the version.
        #expect(throws: ModelFileError.unsupportedFormat(2)) { try ModelFileCodec.decodePayload([0x08, 0x02]) }
        #expect(throws: ModelFileError.unsupportedFormat(2)) { try ModelFileCodec.decode(ModelSeal.seal(payload: [0x08, 0x02], signature: nil)) }
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
