// Pinned forests: the digests of forests trained on the shared credit splits in several configurations.

import Foundation
import Testing
@testable import GroveForest

/// Speed work on the tree learner must not change a single split: every forest Grove trains
/// is reproducible bit for bit from its data, parameters and seed, and a model-risk reviewer
/// may retrain one to check it. The other training tests compare the learner's paths with
/// each other; these compare whole forests with digests recorded from the code of main
/// c88638c (checked against it, eighth session), so a change that moves every path the same
/// way still fails here (the split choice made the last maximum instead of the first: 6 of the 8
/// fail). The digests hold for the project's platform (x86-64 Linux, glibc's libm: entropy
/// reads its logarithms). A deliberate change of the forests (a new default, a new criterion)
/// updates the digests in the same commit and says why.
@Suite struct TrainedForestPinTests {
    /// One configuration: data split, target, parameters changed from the 10-tree test defaults.
    struct Pin: CustomStringConvertible, Sendable {
        let name: String
        let data: String
        let target: String
        let task: ModelTask
        let positive: String?
        let change: @Sendable (inout TrainingParameters) -> Void
        let digest: UInt64
        var description: String { name }
    }

    static let pins: [Pin] = [
        Pin(name: "two classes, entropy (the default)", data: "german_credit", target: "creditability",
            task: .classification, positive: "bad", change: { _ in }, digest: 0x17fb_7c37_16ba_a7c5),
        Pin(name: "two classes, gini, leaf 1", data: "german_credit", target: "creditability",
            task: .classification, positive: "bad",
            change: { $0.criterion = .gini; $0.minSamplesLeaf = 1 }, digest: 0x7792_e02e_c027_a967),
        Pin(name: "two classes, exact splits, leaf 1", data: "german_credit", target: "creditability",
            task: .classification, positive: "bad",
            change: { $0.splitMethod = .exact; $0.minSamplesLeaf = 1 }, digest: 0x99bb_4020_0cc9_046d),
        Pin(name: "two classes, 32 bins, leaf 1", data: "german_credit", target: "creditability",
            task: .classification, positive: "bad",
            change: { $0.maxBins = 32; $0.minSamplesLeaf = 1 }, digest: 0x2e8a_c502_660e_9b83),
        Pin(name: "four classes, leaf 1", data: "german_credit", target: "status_of_existing_checking_account",
            task: .classification, positive: nil, change: { $0.minSamplesLeaf = 1 }, digest: 0x5379_1c3d_d971_85a2),
        Pin(name: "regression, sqrt features", data: "german_credit", target: "credit_amount",
            task: .regression, positive: nil, change: { $0.maxFeatures = .sqrt }, digest: 0xa0ce_cd10_598e_c900),
        Pin(name: "two classes, entropy, leaf 1, more rows", data: "credit_data", target: "Status",
            task: .classification, positive: "bad", change: { $0.minSamplesLeaf = 1 }, digest: 0xb173_e2d7_8ab8_9327),
        Pin(name: "two classes, gini, more rows", data: "credit_data", target: "Status",
            task: .classification, positive: "bad", change: { $0.criterion = .gini }, digest: 0xf77e_ec26_898c_3ab5),
    ]

    /// FNV-1a over every array of every tree (doubles by their bits, so -0 and +0 differ) and
    /// the forest's shape and out-of-bag score.
    static func digest(_ forest: Forest) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) {
                h ^= (word >> UInt64(shift)) & 0xff
                h = h &* 0x0000_0100_0000_01b3
            }
        }
        mix(UInt64(forest.numFeatures))
        mix(UInt64(forest.numOutputs))
        mix(UInt64(forest.trees.count))
        mix(forest.oobScore.bitPattern)
        for tree in forest.trees {
            mix(UInt64(tree.nodeCount))
            for f in tree.feature { mix(UInt64(f)) }
            for t in tree.threshold { mix(t.bitPattern) }
            for l in tree.left { mix(UInt64(l)) }
            for r in tree.right { mix(UInt64(r)) }
            for f in tree.flags { mix(UInt64(f)) }
            for c in tree.cover { mix(c.bitPattern) }
            for o in tree.leafOffset { mix(UInt64(o)) }
            for v in tree.leafValues { mix(v.bitPattern) }
        }
        return h
    }

    @Test(arguments: pins)
    func theForestIsTheRecordedOne(pin: Pin) throws {
        let path = TestSupport.splitsDirectory.appendingPathComponent("\(pin.data).train.csv").path
        // The splits ship inside the repository (data/splits): missing data fails, it never skips.
        try #require(FileManager.default.fileExists(atPath: path), "missing \(path)")
        let table = try CSVReader.read(path: path)
        var p = TestSupport.smallParameters(task: pin.task, trees: 10)
        p.testFraction = 0
        pin.change(&p)
        let model = try ModelTrainer.train(table: table, target: pin.target, task: pin.task, positive: pin.positive,
                                           parameters: p, name: "pin", createdUnixMicros: 1, threads: 2)
        let digest = Self.digest(model.forest)
        #expect(digest == pin.digest, "\(pin.name): forest digest 0x\(String(digest, radix: 16)), recorded 0x\(String(pin.digest, radix: 16))")
    }
}
