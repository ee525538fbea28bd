// SplicedEncodingTests: the model file spliced from trees packed ahead is, byte for byte, the
// whole message packed by protobuf-c, and publishing returns the digest of the file written.

import Foundation
import GroveForest
@testable import GroveModelStore
import Testing

@Suite struct SplicedEncodingTests {
    static let german = ModelFileCodecTests.root.appendingPathComponent("data/german_credit.csv").path

    static func model(target: String, task: ModelTask, positive: String? = nil, trees: Int, leaf: Int = 10,
                      configure: (inout TrainingParameters) -> Void = { _ in }) throws -> TrainedModel {
        let table = try CSVReader.read(path: german)
        var p = TrainingParameters(task: task)
        p.trees = trees
        p.minSamplesLeaf = leaf
        configure(&p)
        return try ModelTrainer.train(table: table, target: target, task: task, positive: positive, parameters: p,
                                      name: "m", version: 4, producer: "test", trainingDataSHA256: Array(repeating: 3, count: 32),
                                      createdUnixMicros: 1_700_000_000_000_000)
    }

    /// Models covering every field of the file: two classes (node flags, out-of-bag
    /// reliability, isotonic calibration), 4 and 10 classes, regression, an imported source,
    /// no metrics, one tree, and a tree of a single leaf.
    static func models() throws -> [TrainedModel] {
        var out: [TrainedModel] = []
        out.append(try model(target: "creditability", task: .classification, positive: "bad", trees: 7, leaf: 1))
        out.append(try model(target: "creditability", task: .classification, positive: "bad", trees: 3) {
            $0.calibration = .isotonic
            $0.testFraction = 0.2
        })
        out.append(try model(target: "status_of_existing_checking_account", task: .classification, trees: 4))
        out.append(try model(target: "purpose", task: .classification, trees: 2, leaf: 1))
        out.append(try model(target: "credit_amount", task: .regression, trees: 5))
        var imported = try model(target: "creditability", task: .classification, positive: "bad", trees: 1)
        imported.source = ModelSource(format: "onnx", producerName: "skl2onnx", producerVersion: "1.17", operatorName: "TreeEnsembleClassifier",
                                      opset: 3, inputName: "X", comparesAsFloat32: true, coverRows: 800)
        imported.metrics = []
        out.append(imported)
        var stump = try model(target: "creditability", task: .classification, positive: "bad", trees: 2)
        stump.forest.trees[1] = Tree(feature: [0], threshold: [0], left: [0], right: [0], flags: [0], cover: [800],
                                     leafValues: [0.7, 0.3], leafOffset: [0])
        out.append(stump)
        // Flags set on some nodes (written out) and on none (left out as empty).
        out[0].forest.trees[0].flags[0] = TreeNodeFlags.strictLess.rawValue | TreeNodeFlags.missingRight.rawValue
        return out
    }

    @Test func theSplicedFileIsTheWholeMessagePackedByProtobufC() throws {
        let signature = ModelSignature(publicKey: Array(repeating: 1, count: 32), signature: Array(repeating: 2, count: 64),
                                       signer: "risk")
        for model in try Self.models() {
            let packed = PackedTrees(count: model.forest.trees.count)
            for (i, t) in model.forest.trees.enumerated() { packed.pack(t, at: i) }
            for sig in [nil, signature] {
                let reference = ModelSeal.seal(payload: ModelFileCodec.payload(model), signature: sig)
                #expect(ModelFileCodec.encode(model, signature: sig) == reference)
                #expect(ModelFileCodec.encode(model, signature: sig, packedTrees: packed) == reference)
            }
        }
    }

    /// Publishing writes the body of a file encoded without its seal's digest, then the seal's
    /// header computed apart (on another thread): together they are the sealed file.
    @Test func theSealHeaderComputedApartSealsTheFile() throws {
        let signature = ModelSignature(publicKey: Array(repeating: 1, count: 32), signature: Array(repeating: 2, count: 64),
                                       signer: "risk")
        for model in try Self.models() {
            for sig in [nil, signature] {
                let sealed = ModelFileCodec.encode(model, signature: sig)
                let unsealed = ModelFileCodec.encode(model, signature: sig, sealed: false)
                #expect(unsealed[ModelSeal.headerBytes...] == sealed[ModelSeal.headerBytes...])
                #expect(unsealed[ModelSeal.magic.count..<ModelSeal.headerBytes].allSatisfy { $0 == 0 })
                #expect(ModelFileCodec.sealHeader(of: unsealed) == Array(sealed[..<ModelSeal.headerBytes]))
            }
        }
    }

    /// Trees packed for another forest (or not at all) are packed again: the file stays right.
    @Test func packedTreesOfAnotherForestAreNotUsed() throws {
        let models = try Self.models()
        let a = models[0], b = models[4]
        let packed = PackedTrees(count: a.forest.trees.count)
        for (i, t) in a.forest.trees.enumerated() where i != 1 { packed.pack(t, at: i) }
        #expect(ModelFileCodec.encode(b, packedTrees: packed) == ModelSeal.seal(payload: ModelFileCodec.payload(b), signature: nil))
        #expect(ModelFileCodec.encode(a, packedTrees: packed) == ModelSeal.seal(payload: ModelFileCodec.payload(a), signature: nil))
        packed.pack(a.forest.trees[0], at: a.forest.trees.count)   // outside the slots: ignored
    }

    /// `grove train`'s way: trees packed by the trainer's workers as they are grown.
    @Test func treesPackedWhileTheForestGrowsGiveTheSameFile() throws {
        let table = try CSVReader.read(path: Self.german)
        var p = TrainingParameters(task: .classification)
        p.trees = 12
        let packed = PackedTrees(count: p.trees)
        let model = try ModelTrainer.train(table: table, target: "creditability", task: .classification, positive: "bad",
                                           parameters: p, name: "m", createdUnixMicros: 1, threads: 3,
                                           treeBuilt: { packed.pack($1, at: $0) })
        for (i, t) in model.forest.trees.enumerated() { #expect(packed.bytes(at: i, of: t) == ModelFileCodec.treeBytes(t)) }
        #expect(ModelFileCodec.encode(model, packedTrees: packed) == ModelSeal.seal(payload: ModelFileCodec.payload(model), signature: nil))
    }

    @Test func publishReturnsTheDigestOfTheFileWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-spliced-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Big enough (30 trees grown to leaf 1) that round 3's 64 KiB chunks are several.
        let model = try Self.model(target: "creditability", task: .classification, positive: "bad", trees: 30, leaf: 1)
        let packed = PackedTrees(count: model.forest.trees.count)
        for (i, t) in model.forest.trees.enumerated() { packed.pack(t, at: i) }
        // Round 3 writes the body in 64 KiB chunks (the kill -9 test's way), the header last.
        for round in 1...3 {
            let published = try ModelRepository.publishFile(model, repository: dir, chunkPauseMicros: round == 3 ? 1 : 0,
                                                            packedTrees: round == 1 ? packed : nil)
            #expect(published.version == UInt64(round))
            let bytes = try [UInt8](Data(contentsOf: published.file))
            #expect(bytes.count > 3 * 64 * 1024, "the file must span several of round 3's chunks")
            #expect(published.sha256 == ModelFileCodec.sha256Hex(bytes))
            var versioned = model
            versioned.version = published.version
            #expect(bytes == ModelSeal.seal(payload: ModelFileCodec.payload(versioned), signature: nil))
            #expect(try ModelFileCodec.decode(bytes) == versioned)
        }
    }
}
