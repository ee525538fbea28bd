// The walks over integer keys (CGroveForest: batches of forests without missing-right nodes,
// one row whenever no NaN meets a missing-right node) must give the reference walk's bits for
// every row, whatever the values: NaN, infinities, -0 and +0, subnormals, values on and next to
// the thresholds (strict-less folded to nextDown).

import Testing
@testable import GroveForest

@Suite struct BatchKeyWalkTests {
    /// Values where an order-preserving key could go wrong.
    static let specials: [Double] = [
        .nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        .leastNormalMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        0.5, -0.5, 1, -1, 0.5.nextDown, 0.5.nextUp, (-0.5).nextDown, (-0.5).nextUp, 1e300, -1e-300,
    ]
    static let thresholds: [Double] = [
        0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 0.5, -0.5, 1, -1, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, 0.5.nextUp, (-0.5).nextDown, 1e-300,
    ]

    /// A random forest whose nodes use no missing-right flag (so batches take the key walk),
    /// half of them strict-less, thresholds from `thresholds`.
    func forest(seed: UInt64, features: Int, outputs: Int, trees: Int, aggregation: ForestAggregation,
                link: ForestLink) -> Forest {
        var forest = InferenceTests().randomForest(seed: seed, features: features, outputs: outputs, trees: trees,
                                                   aggregation: aggregation, link: link)
        var rng = RandomGenerator(seed: seed &+ 1)
        for t in forest.trees.indices {
            for n in forest.trees[t].flags.indices {
                forest.trees[t].flags[n] = UInt32(rng.below(2))  // 0 or strictLess, never missingRight
                forest.trees[t].threshold[n] = BatchKeyWalkTests.thresholds[rng.below(BatchKeyWalkTests.thresholds.count)]
            }
        }
        return forest
    }

    func rows(_ n: Int, features: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        return (0..<(n * features)).map { _ in
            rng.below(4) == 0 ? rng.unit() * 4 - 2 : BatchKeyWalkTests.specials[rng.below(BatchKeyWalkTests.specials.count)]
        }
    }

    /// Batch (one thread and two, several chunks and key blocks) equals the reference walk bit for bit.
    @Test(arguments: [(1, ForestAggregation.average, ForestLink.identity), (2, .average, .identity),
                      (3, .average, .identity), (1, .sum, .logistic), (3, .sum, .softmax), (1, .sum, .identity)])
    func batchEqualsReference(outputs: Int, aggregation: ForestAggregation, link: ForestLink) throws {
        let f = 6
        let forest = forest(seed: UInt64(outputs * 31 + (aggregation == .sum ? 5 : 0) + (link == .identity ? 0 : 11)), features: f, outputs: outputs,
                            trees: 40, aggregation: aggregation, link: link)
        try forest.validate()
        let compiled = try CompiledForest(forest: forest)
        let n = 4_500  // > 4096: two threads, five chunks; each chunk several key blocks
        let values = rows(n, features: f, seed: UInt64(outputs) + 7)
        for threads in [1, 2] {
            let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: f, values: values),
                                             threads: threads)
            var mismatches = 0
            for r in 0..<n where Array(batch[(r * outputs)..<((r + 1) * outputs)])
                != forest.predictReference(row: Array(values[(r * f)..<((r + 1) * f)])) {
                mismatches += 1
            }
            #expect(mismatches == 0, "\(threads) threads: \(mismatches) of \(n) rows differ from the reference walk")
        }
    }

    /// Every batch walk gives the reference's bits: the C walk over keys (its x86-64 assembly, and
    /// its portable loop, which other CPUs run) and the Swift walk; batches of 1 to 17 rows (the
    /// last group's spare lanes repeat its last row) and 130 (no multiple of 8 or 16); one to
    /// three outputs; one feature, nine, and `keyFeatures` (one group of eight rows per key block);
    /// several rounds; NaN, infinities, -0 and values on and next to the thresholds. Nothing is
    /// written past the outputs.
    @Test(arguments: [(1, 6, 40), (2, 1, 17), (3, 9, 300), (2, CompiledForest.keyFeatures, 12)])
    func everyBatchWalkEqualsReference(outputs k: Int, features f: Int, trees: Int) throws {
        let forest = forest(seed: UInt64(k * 1_000 + f * 7 + trees), features: f, outputs: k, trees: trees,
                            aggregation: k == 1 ? .average : .sum, link: k == 3 ? .softmax : .identity)
        try forest.validate()
        let compiled = try CompiledForest(forest: forest)
        let values = rows(130, features: f, seed: UInt64(f + trees))
        let reference = (0..<130).map { forest.predictReference(row: Array(values[($0 * f)..<(($0 + 1) * f)])) }
        var mismatches: [String] = []
        for n in Array(1...17) + [130] {
            for walk in [BatchWalk.fastest, .portable, .swift] {
                var out = [Double](repeating: -7, count: n * k + 1)
                try values.withUnsafeBufferPointer { v in
                    try out.withUnsafeMutableBufferPointer { o in
                        try compiled.predict(rows: UnsafeBufferPointer(rebasing: v[0..<(n * f)]), rowCount: n, into: o,
                                             threads: 1, walk: walk)
                    }
                }
                for r in 0..<n where Array(out[(r * k)..<((r + 1) * k)]) != reference[r] {
                    mismatches.append("\(walk), \(n) rows: row \(r)")
                }
                if out[n * k] != -7 { mismatches.append("\(walk), \(n) rows: wrote past the outputs") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ from the reference walk, first: \(mismatches.prefix(3))")
    }

    /// More trees than one round (248): the batch walk over keys adds the leaves in tree
    /// order across rounds; one row writes nothing past its outputs.
    @Test(arguments: [249, 300, 500])
    func severalRounds(trees: Int) throws {
        let f = 5, k = 3
        let forest = forest(seed: UInt64(trees), features: f, outputs: k, trees: trees, aggregation: .sum, link: .softmax)
        try forest.validate()
        let compiled = try CompiledForest(forest: forest)
        let n = 37
        let values = rows(n, features: f, seed: 99)
        let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: f, values: values), threads: 1)
        for r in 0..<n {
            let row = Array(values[(r * f)..<((r + 1) * f)])
            let reference = forest.predictReference(row: row)
            #expect(Array(batch[(r * k)..<((r + 1) * k)]) == reference, "batch row \(r)")
            var out = [Double](repeating: -7, count: k + 2)
            try row.withUnsafeBufferPointer { x in try out.withUnsafeMutableBufferPointer { try compiled.predict(row: x, into: $0) } }
            #expect(Array(out[0..<k]) == reference, "one row \(r)")
            #expect(out[k] == -7 && out[k + 1] == -7, "one row \(r) wrote past its outputs")
        }
    }

    /// Forests at the batch walk over keys' feature limit (`keyFeatures`: key blocks of one group of
    /// eight rows) and one past it (the Swift walk), and row counts that are no multiple of eight.
    @Test(arguments: [CompiledForest.keyFeatures, CompiledForest.keyFeatures + 1, 1])
    func wideAndNarrowForests(features: Int) throws {
        let forest = forest(seed: UInt64(features), features: features, outputs: 2, trees: 20, aggregation: .average,
                            link: .identity)
        try forest.validate()
        let compiled = try CompiledForest(forest: forest)
        for n in [1, 7, 9, 21] {
            let values = rows(n, features: features, seed: UInt64(n))
            let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: features, values: values),
                                             threads: 1)
            for r in 0..<n {
                let row = Array(values[(r * features)..<((r + 1) * features)])
                #expect(Array(batch[(2 * r)..<(2 * r + 2)]) == forest.predictReference(row: row), "\(features) features, row \(r) of \(n)")
                #expect(try compiled.predict(row: row) == forest.predictReference(row: row))
            }
        }
    }

    /// One row over keys (the default walk) and the Swift walk both give the reference's bits:
    /// forests with and without missing-right nodes (rows with NaN in a flagged forest take the
    /// Swift walk, the others the key walk), every aggregation, several rounds.
    @Test(arguments: [(1, ForestAggregation.average, ForestLink.identity, false), (2, .average, .identity, true),
                      (3, .sum, .softmax, true), (1, .sum, .logistic, true), (2, .sum, .identity, false)])
    func oneRowEqualsReference(outputs: Int, aggregation: ForestAggregation, link: ForestLink, missingRight: Bool) throws {
        let f = 7
        for trees in [1, 17, 300] {
            var forest = forest(seed: UInt64(trees * 13 + outputs), features: f, outputs: outputs, trees: trees,
                                aggregation: aggregation, link: link)
            if missingRight {
                var rng = RandomGenerator(seed: UInt64(trees))
                for t in forest.trees.indices {
                    forest.trees[t].flags = forest.trees[t].flags.map { $0 | (rng.below(2) == 0 ? TreeNodeFlags.missingRight.rawValue : 0) }
                }
            }
            try forest.validate()
            let compiled = try CompiledForest(forest: forest)
            #expect(compiled.hasKeys, "a forest of \(f) features is walked over keys")
            let n = 400
            var values = rows(n, features: f, seed: UInt64(trees + outputs))
            for r in stride(from: 0, to: n, by: 2) {  // every other row without NaN: the key walk in flagged forests too
                for j in 0..<f where values[r * f + j].isNaN { values[r * f + j] = -0.0 }
            }
            var mismatches = 0
            for r in 0..<n {
                let row = Array(values[(r * f)..<((r + 1) * f)])
                let reference = forest.predictReference(row: row)
                for walk in [BatchWalk.fastest, .swift] {
                    var out = [Double](repeating: -7, count: outputs + 1)
                    try row.withUnsafeBufferPointer { x in
                        try out.withUnsafeMutableBufferPointer { try compiled.predict(row: x, into: $0, walk: walk) }
                    }
                    if Array(out[0..<outputs]) != reference || out[outputs] != -7 { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(trees) trees, missing-right \(missingRight): \(mismatches) of \(2 * n) walks differ")
        }
    }

    /// Keys are built only for forests the key walks can take (at most `keyFeatures` features).
    @Test func keysOnlyWhereTheyServe() throws {
        for (features, expected) in [(CompiledForest.keyFeatures, true), (CompiledForest.keyFeatures + 1, false)] {
            let forest = forest(seed: 3, features: features, outputs: 1, trees: 3, aggregation: .average, link: .identity)
            #expect(try CompiledForest(forest: forest).hasKeys == expected, "\(features) features")
        }
    }
}
