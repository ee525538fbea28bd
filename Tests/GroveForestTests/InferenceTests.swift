// The compiled inference engine must reproduce the naive tree walk exactly.

import Testing
@testable import GroveForest

@Suite struct InferenceTests {
    /// A random valid forest with strict / missing-right flags, for NaN-heavy inputs.
    func randomForest(seed: UInt64, features: Int, outputs: Int, trees: Int,
                      aggregation: ForestAggregation = .average, link: ForestLink = .identity) -> Forest {
        var rng = RandomGenerator(seed: seed)
        var result: [Tree] = []
        for _ in 0..<trees {
            var t = Tree()
            var pending = [0]
            func add() -> Int {
                t.feature.append(0); t.threshold.append(0); t.left.append(0); t.right.append(0)
                t.flags.append(0); t.cover.append(1); t.leafOffset.append(0)
                return t.feature.count - 1
            }
            _ = add()
            while let i = pending.popLast() {
                if t.nodeCount < 60 && rng.below(3) != 0 {
                    t.feature[i] = UInt32(rng.below(features))
                    t.threshold[i] = (rng.unit() * 4).rounded() / 2 - 1
                    t.flags[i] = UInt32(rng.below(4))
                    let l = add(), r = add()
                    t.left[i] = UInt32(l)
                    t.right[i] = UInt32(r)
                    pending.append(r)
                    pending.append(l)
                } else {
                    t.leafOffset[i] = UInt32(t.leafValues.count)
                    for _ in 0..<outputs { t.leafValues.append(rng.unit()) }
                }
            }
            result.append(t)
        }
        return Forest(numFeatures: features, numOutputs: outputs, aggregation: aggregation, link: link,
                      baseScore: aggregation == .sum ? (0..<outputs).map { Double($0) * 0.1 } : [], trees: result)
    }

    func randomRows(_ n: Int, features: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        return (0..<(n * features)).map { _ in
            switch rng.below(6) {
            case 0: return .nan
            case 1: return (rng.unit() * 4).rounded() / 2 - 1  // exactly on thresholds
            default: return rng.unit() * 3 - 1.5
            }
        }
    }

    @Test(arguments: [(1, ForestAggregation.average, ForestLink.identity), (2, .average, .identity),
                      (3, .average, .identity), (1, .sum, .logistic), (3, .sum, .softmax)])
    func compiledEqualsNaiveWalk(outputs: Int, aggregation: ForestAggregation, link: ForestLink) throws {
        let f = 5
        let forest = randomForest(seed: UInt64(outputs), features: f, outputs: outputs, trees: 25,
                                  aggregation: aggregation, link: link)
        try forest.validate()
        let compiled = try CompiledForest(forest: forest)
        let n = 300
        let rows = randomRows(n, features: f, seed: 99)
        let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: f, values: rows), threads: 2)
        var out = [Double](repeating: 0, count: outputs)
        for r in 0..<n {
            let row = Array(rows[(r * f)..<((r + 1) * f)])
            let expected = forest.predictReference(row: row)
            try row.withUnsafeBufferPointer { rb in
                try out.withUnsafeMutableBufferPointer { try compiled.predict(row: rb, into: $0) }
            }
            #expect(out == expected, "row \(r)")
            #expect(Array(batch[(r * outputs)..<((r + 1) * outputs)]) == expected, "batch row \(r)")
        }
    }

    @Test func trainedForestCompiledEqualsNaiveOnLargeBatch() throws {
        let (x, y) = TestSupport.binaryData(rows: 600, features: 6, seed: 3)
        let forest = try ForestTrainer.train(features: x, target: y, parameters: TestSupport.smallParameters(task: .classification))
        let compiled = try CompiledForest(forest: forest)
        let (xt, _) = TestSupport.binaryData(rows: 5000, features: 6, seed: 4)  // > 4096 rows: parallel path
        let batch = try compiled.predict(matrix: xt, threads: 2)
        for r in stride(from: 0, to: 5000, by: 7) {
            #expect(Array(batch[(2 * r)..<(2 * r + 2)]) == forest.predictReference(row: Array(xt.row(r))))
        }
    }

    @Test func bufferSizesAreChecked() throws {
        let compiled = try CompiledForest(forest: randomForest(seed: 1, features: 4, outputs: 2, trees: 2))
        var out = [Double](repeating: 0, count: 2)
        let short = [1.0, 2.0]
        #expect(throws: InferenceError.rowTooShort(needed: 4, got: 2)) {
            try short.withUnsafeBufferPointer { r in try out.withUnsafeMutableBufferPointer { try compiled.predict(row: r, into: $0) } }
        }
        #expect(throws: InferenceError.self) {
            try compiled.predict(matrix: try FeatureMatrix(rowCount: 1, featureCount: 3, values: [1, 2, 3]))
        }
        let vals = [Double](repeating: 0, count: 7)
        #expect(throws: InferenceError.badRowCount(rows: 2, values: 7, featureCount: 4)) {
            try vals.withUnsafeBufferPointer { r in
                try out.withUnsafeMutableBufferPointer { try compiled.predict(rows: r, rowCount: 2, into: $0) }
            }
        }
    }

    /// Tree counts around the lockstep group size, lone-leaf trees, and rows with
    /// infinities and NaN (the fast walk is only for rows without NaN or -infinity).
    @Test(arguments: [1, 7, 8, 9, 16, 17])
    func compiledEqualsNaiveWithInfinities(trees: Int) throws {
        let f = 4
        for outputs in [1, 2, 3] {
            let forest = randomForest(seed: UInt64(trees * 10 + outputs), features: f, outputs: outputs, trees: trees)
            try forest.validate()
            let compiled = try CompiledForest(forest: forest)
            var rng = RandomGenerator(seed: UInt64(trees))
            let specials: [Double] = [.infinity, -.infinity, .nan, -1, -0.5, 0, 0.5, 1, -0.0, .greatestFiniteMagnitude,
                                      -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
            let n = 400
            var rows: [Double] = []
            for i in 0..<(n * f) {
                // First half: special values; second half: finite values only (fast blocks).
                let special = i < n * f / 2 && rng.below(2) == 0
                rows.append(special ? specials[rng.below(specials.count)] : (rng.unit() * 4).rounded() / 2 - 1 + (rng.below(2) == 0 ? 0 : rng.unit() * 0.1))
            }
            let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: f, values: rows), threads: 1)
            for r in 0..<n {
                let row = Array(rows[(r * f)..<((r + 1) * f)])
                let expected = forest.predictReference(row: row)
                #expect(try compiled.predict(row: row) == expected, "trees \(trees) row \(r)")
                #expect(Array(batch[(r * outputs)..<((r + 1) * outputs)]) == expected, "batch trees \(trees) row \(r)")
            }
        }
    }

    /// Checks single-row and batch predictions of `forest` on `rows` against the reference
    /// walk, bit for bit.
    func expectMatchesReference(_ forest: Forest, rows: [Double], threads: Int, _ label: String) throws {
        let f = forest.numFeatures, k = forest.numOutputs, n = rows.count / f
        let compiled = try CompiledForest(forest: forest)
        let batch = try compiled.predict(matrix: try FeatureMatrix(rowCount: n, featureCount: f, values: rows), threads: threads)
        var mismatches = 0
        for r in 0..<n {
            let row = Array(rows[(r * f)..<((r + 1) * f)])
            let expected = forest.predictReference(row: row)
            let single = try compiled.predict(row: row)
            if single != expected || Array(batch[(r * k)..<((r + 1) * k)]) != expected { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) of \(n) rows differ from the reference walk")
    }

    /// The compiled walk splits the trees into rounds of 248 and each round into eight
    /// chains: more than one round, fewer trees than chains, forests without cover (chains
    /// balanced by depth), and batches whose row count is no multiple of 8.
    @Test(arguments: [1, 3, 249, 300])
    func roundsAndChainsEqualNaiveWalk(trees: Int) throws {
        let f = 5
        for outputs in [1, 2, 3] {
            var forest = randomForest(seed: UInt64(trees * 7 + outputs), features: f, outputs: outputs, trees: trees)
            if outputs == 2 { for t in forest.trees.indices { forest.trees[t].cover = [] } }
            try expectMatchesReference(forest, rows: randomRows(203, features: f, seed: UInt64(trees)), threads: 1,
                                       "\(trees) trees, \(outputs) outputs")
        }
    }

    /// Rows with NaN in a forest without missing-right nodes take the common step (NaN
    /// goes left); with the flag, the step that reads it. Batches above 4096 rows run on
    /// two threads in chunks of 1024 rows.
    @Test(arguments: [false, true])
    func nanRowsEqualNaiveWalk(missingRight: Bool) throws {
        let f = 6
        var forest = randomForest(seed: missingRight ? 11 : 12, features: f, outputs: 2, trees: 20, aggregation: .sum, link: .logistic)
        for t in forest.trees.indices {
            forest.trees[t].flags = forest.trees[t].flags.map { missingRight ? $0 : $0 & ~TreeNodeFlags.missingRight.rawValue }
        }
        let flagged = forest.trees.contains { $0.flags.contains { $0 & TreeNodeFlags.missingRight.rawValue != 0 } }
        #expect(flagged == missingRight)
        try expectMatchesReference(forest, rows: randomRows(5003, features: f, seed: 5), threads: 2, "missing-right \(missingRight)")
    }

    @Test func argmaxTiesGoLow() {
        [0.2, 0.4, 0.4].withUnsafeBufferPointer { #expect(CompiledForest.argmax($0) == 1) }
    }
}
