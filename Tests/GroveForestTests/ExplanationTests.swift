// ForestExplainer: exact SHAP values against the brute-force oracle, additivity, errors.

import Foundation
import Testing
@testable import GroveForest

@Suite struct ExplanationTests {
    /// Random forests (repeated features, strict and missing-right splits, NaN rows, zero
    /// covers, both aggregations): every contribution equals the subset enumeration.
    /// Each kernel (the Swift reference and the C kernel at every width) separately; a
    /// kernel this CPU cannot run must be refused, never silently replaced.
    @Test(arguments: [1, 2, 3, 5, 8], ExplainKernel.allCases)
    func equalsBruteForceShapley(depth: Int, kernel: ExplainKernel) throws {
        guard kernel.isSupported else {
            var small = RandomForests(seed: 1)
            let forest = Forest(numFeatures: 2, numOutputs: 1, trees: [small.tree(features: 2, depth: 2, outputs: 1, zeroCover: false)])
            #expect(throws: ExplanationError.kernelUnsupported(kernel)) { try ForestExplainer(forest: forest, kernel: kernel) }
            return
        }
        var gen = RandomForests(seed: UInt64(depth) * 7919)
        var worst = 0.0
        for trial in 0..<6 {
            let features = [1, 3, 6, 10, 4, 8][trial]
            let outputs = trial % 2 == 0 ? 2 : 1
            let trees = (0..<(1 + trial % 3)).map { _ in
                gen.tree(features: features, depth: depth, outputs: outputs, zeroCover: trial >= 3)
            }
            // Summed with a link (boosting, explained on the margin), or averaged; some with a base score.
            let sum = trial % 3 == 1
            let forest = Forest(numFeatures: features, numOutputs: outputs, aggregation: sum ? .sum : .average,
                                link: sum ? .logistic : .identity,
                                baseScore: trial % 2 == 1 ? (0..<outputs).map { Double($0) * 0.25 - 0.5 } : [], trees: trees)
            let explainer = try ForestExplainer(forest: forest, kernel: kernel)
            let oracle = BruteForceShapley(forest: forest)
            for _ in 0..<5 {
                let row = gen.row(features: features, missing: 0.25)
                for output in 0..<outputs {
                    let (phi, totals) = try explainer.explain(row: row, output: output)
                    let (expected, base) = oracle.shapley(row: row, output: output)
                    for j in 0..<features { worst = max(worst, abs(phi[j] - expected[j])) }
                    #expect(abs(totals.baseValue - base) < 1e-12)
                    // The oracle's v(all features) is the raw prediction.
                    let full = oracle.value(row, (1 << features) - 1, output)
                    #expect(abs(totals.prediction - full) < 1e-12)
                    #expect(abs(totals.baseValue + phi.reduce(0, +) - totals.prediction) < 1e-12)
                }
            }
        }
        #expect(worst < 1e-12, "largest difference to the oracle \(worst)")
    }

    /// Deep trees that split the same few features again and again (the case Linear
    /// TreeSHAP's interpolation loses precision on): still equal to the oracle.
    @Test(arguments: ExplainKernel.allCases.filter(\.isSupported))
    func deepTreesWithRepeatedFeatures(kernel: ExplainKernel) throws {
        var gen = RandomForests(seed: 99)
        for depth in [14, 24, 40] {
            let trees = (0..<3).map { _ in gen.tree(features: 6, depth: depth, outputs: 1, zeroCover: false, leafRate: 0.4) }
            let forest = Forest(numFeatures: 6, numOutputs: 1, trees: trees)
            let explainer = try ForestExplainer(forest: forest, kernel: kernel)
            let oracle = BruteForceShapley(forest: forest)
            for _ in 0..<4 {
                let row = gen.row(features: 6, missing: 0.1)
                let (phi, totals) = try explainer.explain(row: row, output: 0)
                let (expected, _) = oracle.shapley(row: row, output: 0)
                for j in 0..<6 { #expect(abs(phi[j] - expected[j]) < 1e-12, "depth \(depth) feature \(j)") }
                #expect(abs(totals.baseValue + phi.reduce(0, +) - totals.prediction) < 1e-12)
            }
        }
    }

    /// Many distinct features on one path (so many quadrature points): additivity holds
    /// and the values equal a Shapley value computed by hand for a chain (20 points: three
    /// of the kernel's 8-point blocks, the last one partly unused).
    @Test(arguments: ExplainKernel.allCases.filter(\.isSupported))
    func longChainOfDistinctFeatures(kernel: ExplainKernel) throws {
        // A chain: node i splits feature i; left goes on, right is a leaf of value 0; the
        // last left leaf has value 1 and every split halves the cover. A row with all
        // features on the left side: f(S) = (1/2)^(n - |S|), so by symmetry each feature
        // gets (1 - 2^-n) / n.
        let n = 40
        var t = Tree()
        for i in 0..<n {
            let node = t.feature.count
            t.feature += [UInt32(i), 0]; t.threshold += [0, 0]; t.flags += [0, 0]
            t.left += [UInt32(node + 2), 0]; t.right += [UInt32(node + 1), 0]
            t.cover += [Double(1 << (n - i)), Double(1 << (n - i - 1))]
            t.leafOffset += [0, UInt32(t.leafValues.count)]
            t.leafValues.append(0)
        }
        t.feature.append(0); t.threshold.append(0); t.flags.append(0); t.left.append(0); t.right.append(0)
        t.cover.append(1); t.leafOffset.append(UInt32(t.leafValues.count)); t.leafValues.append(1)
        let forest = Forest(numFeatures: n, numOutputs: 1, trees: [t])
        let explainer = try ForestExplainer(forest: forest, kernel: kernel)
        #expect(explainer.maxPoints == n / 2)
        let (phi, totals) = try explainer.explain(row: [Double](repeating: -1, count: n), output: 0)
        let each = (1 - pow(0.5, Double(n))) / Double(n)
        for j in 0..<n { #expect(abs(phi[j] - each) < 1e-13) }
        #expect(abs(totals.baseValue - pow(0.5, Double(n))) < 1e-18)
        #expect(totals.prediction == 1)
    }

    /// The C kernel returns the same bits at every vector width (no fused multiply-add, one
    /// summation order), so an explanation does not depend on the server's CPU; and it
    /// agrees with the Swift reference to rounding. Every width this CPU runs is called.
    /// An explanation's prediction has the bits of Predict's (CompiledForest): the leaf values
    /// are added in tree order on every kernel, with or without a helper taking half the trees,
    /// so `grove explain` and the Explain call report the value `grove predict` and Predict do.
    @Test(arguments: ExplainKernel.allCases.filter(\.isSupported))
    func predictionHasPredictsBits(kernel: ExplainKernel) throws {
        var gen = RandomForests(seed: 9_001)
        let features = 9
        for outputs in [1, 3] {
            let trees = (0..<60).map { _ in gen.tree(features: features, depth: 7, outputs: outputs, zeroCover: false) }
            let forest = Forest(numFeatures: features, numOutputs: outputs, trees: trees)
            let compiled = try CompiledForest(forest: forest)
            let explainer = try ForestExplainer(forest: forest, kernel: kernel)
            let helper = try #require(ExplainHelper(spinMicroseconds: 1_000_000))
            let scratch = ExplainScratch(for: explainer)
            scratch.helper = helper
            var phi = [Double](repeating: 0, count: features)
            var differ = 0
            for _ in 0..<200 {
                let row = gen.row(features: features, missing: 0.1)
                let predicted = try compiled.predict(row: row)
                for output in 0..<outputs {
                    let (_, alone) = try explainer.explain(row: row, output: output)
                    let helped = try row.withUnsafeBufferPointer { r in
                        try phi.withUnsafeMutableBufferPointer { try explainer.explain(row: r, output: output, scratch: scratch, into: $0) }
                    }
                    if alone.prediction.bitPattern != predicted[output].bitPattern { differ += 1 }
                    if helped.prediction.bitPattern != predicted[output].bitPattern { differ += 1 }
                }
            }
            #expect(differ == 0, "\(kernel), \(outputs) outputs: \(differ) predictions differ from Predict's")
        }
    }

    @Test func kernelsAgreeBitForBitAcrossWidths() throws {
        let widths = ExplainKernel.allCases.filter { $0 != .reference && $0.isSupported }
        #expect(widths.contains(.portable))
        var gen = RandomForests(seed: 4242)
        for trial in 0..<8 {
            let features = [3, 7, 12, 20][trial % 4]
            let trees = (0..<3).map { _ in
                gen.tree(features: features, depth: [4, 9, 14, 18][trial % 4], outputs: 2, zeroCover: trial % 2 == 1, leafRate: 0.35)
            }
            let forest = Forest(numFeatures: features, numOutputs: 2, trees: trees)
            let reference = try ForestExplainer(forest: forest, kernel: .reference)
            let explainers = try widths.map { try ForestExplainer(forest: forest, kernel: $0) }
            for _ in 0..<6 {
                let row = gen.row(features: features, missing: 0.2)
                let (expected, expectedTotals) = try reference.explain(row: row, output: 1)
                let (first, firstTotals) = try explainers[0].explain(row: row, output: 1)
                for j in 0..<features { #expect(abs(first[j] - expected[j]) < 1e-12) }
                #expect(firstTotals.prediction == expectedTotals.prediction)
                #expect(firstTotals.baseValue == expectedTotals.baseValue)
                for (kernel, explainer) in zip(widths, explainers).dropFirst() {
                    let (phi, totals) = try explainer.explain(row: row, output: 1)
                    #expect(phi.map(\.bitPattern) == first.map(\.bitPattern), "\(kernel) differs from portable")
                    #expect(totals == firstTotals)
                }
            }
        }
    }

    /// Contributions without the leaf walk (inline reasons beside a prediction) have the same
    /// bits as with it, for every kernel; only the leaf sum is skipped.
    @Test func contributionsWithoutTheLeafWalkAreTheSame() throws {
        var gen = RandomForests(seed: 606)
        let trees = (0..<9).map { _ in gen.tree(features: 8, depth: 9, outputs: 2, zeroCover: true, leafRate: 0.3) }
        let forest = Forest(numFeatures: 8, numOutputs: 2, trees: trees)
        for kernel in ExplainKernel.allCases where kernel.isSupported {
            let explainer = try ForestExplainer(forest: forest, kernel: kernel)
            let scratch = ExplainScratch(for: explainer)
            for _ in 0..<10 {
                var row = gen.row(features: 8, missing: 0.2)
                let (expected, totals) = try explainer.explain(row: row, output: 1)
                var phi = [Double](repeating: .nan, count: 8)
                let leafSum = row.withUnsafeMutableBufferPointer { r in
                    phi.withUnsafeMutableBufferPointer { explainer.contributionsUnchecked(r.baseAddress!, 1, scratch, $0.baseAddress!, leaves: false) }
                }
                #expect(phi.map(\.bitPattern) == expected.map(\.bitPattern), "\(kernel)")
                #expect(kernel == .reference || leafSum == 0, "\(kernel): the leaf walk ran")
                #expect(explainer.totals(leafSum: row.withUnsafeMutableBufferPointer { r in
                    phi.withUnsafeMutableBufferPointer { explainer.contributionsUnchecked(r.baseAddress!, 1, scratch, $0.baseAddress!, leaves: true) }
                }, output: 1) == totals)
            }
        }
    }

    @Test func quadratureIsExactForItsDegree() {
        for m in [1, 2, 5, 9, 20, 64] {
            let rule = QuadratureRule(points: m)
            #expect(abs(rule.weights.reduce(0, +) - 1) < 1e-14)
            for degree in 0...(2 * m - 1) {
                let integral = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(degree)) }
                #expect(abs(integral - 1 / Double(degree + 1)) < 1e-14, "m \(m) degree \(degree)")
            }
        }
    }

    @Test func refusesWhatItCannotExplain() throws {
        var gen = RandomForests(seed: 5)
        var tree = gen.tree(features: 3, depth: 3, outputs: 2, zeroCover: false)
        let forest = Forest(numFeatures: 3, numOutputs: 2, trees: [tree])
        let explainer = try ForestExplainer(forest: forest)
        #expect(throws: ExplanationError.outputOutOfRange(output: 2, outputs: 2)) {
            try explainer.explain(row: [0, 0, 0], output: 2)
        }
        #expect(throws: ExplanationError.badBuffer(.rowTooShort(needed: 3, got: 2))) {
            try explainer.explain(row: [0, 0], output: 0)
        }
        tree.cover = []
        #expect(throws: ExplanationError.missingCover(tree: 1)) {
            try ForestExplainer(forest: Forest(numFeatures: 3, numOutputs: 2, trees: [forest.trees[0], tree]))
        }
    }

    /// Grove's trainer stores in each node the in-bag (bootstrap-weighted) sample count:
    /// the root's cover is the number of bootstrap draws, a parent's cover is its
    /// children's sum, and the base value is the mean of the training predictions
    /// weighted that way.
    @Test func trainerCoverIsTheInBagWeightedCount() throws {
        let (x, y) = TestSupport.binaryData(rows: 300, features: 5, seed: 3)
        let forest = try ForestTrainer.train(features: x, target: y, parameters: TestSupport.smallParameters(task: .classification))
        for t in forest.trees {
            #expect(t.cover[0] == 300)
            for i in 0..<t.nodeCount where !t.isLeaf(i) {
                #expect(t.cover[i] == t.cover[Int(t.left[i])] + t.cover[Int(t.right[i])])
            }
        }
    }

    /// Every row of both shared credit data sets, a trained classifier (positive class)
    /// and a regression forest: base value + Σ contributions = the model's prediction.
    @Test(arguments: [("german_credit", "creditability", "bad"), ("credit_data", "Status", "bad")])
    func additivityOnEveryRowOfTheCreditData(name: String, target: String, positive: String) throws {
        let path = TestSupport.splitsDirectory.appendingPathComponent("\(name).train.csv").path
        let testPath = TestSupport.splitsDirectory.appendingPathComponent("\(name).test.csv").path
        let train = try CSVReader.read(path: path)
        let test = try CSVReader.read(path: testPath)
        var p = TestSupport.smallParameters(task: .classification, trees: 10)
        p.testFraction = 0
        let model = try ModelTrainer.train(table: train, target: target, task: .classification, positive: positive,
                                           parameters: p, name: name, createdUnixMicros: 1)
        let prep = model.preprocessing
        let positiveOutput = try #require(prep.positiveClass)
        let explainer = try ForestExplainer(forest: model.forest)
        let compiled = try CompiledForest(forest: model.forest)
        let scratch = ExplainScratch(for: explainer)
        var phi = [Double](repeating: 0, count: explainer.numFeatures)
        var worst = 0.0
        var rows = 0
        for table in [train, test] {
            let x = try prep.encode(table: table)
            for r in 0..<x.rowCount {
                let row = Array(x.values[(r * x.featureCount)..<((r + 1) * x.featureCount)])
                let totals = try row.withUnsafeBufferPointer { rb in
                    try phi.withUnsafeMutableBufferPointer {
                        try explainer.explain(row: rb, output: positiveOutput, scratch: scratch, into: $0)
                    }
                }
                let predicted = try compiled.predict(row: row)[positiveOutput]
                worst = max(worst, abs(totals.baseValue + phi.reduce(0, +) - predicted))
                rows += 1
            }
        }
        #expect(rows == train.rowCount + test.rowCount)
        #expect(worst < 1e-9, "\(name): largest additivity gap \(worst) over \(rows) rows")
    }

    @Test func additivityOnARegressionForest() throws {
        let (x, y) = TestSupport.regressionData(rows: 500, features: 6, seed: 11)
        let forest = try ForestTrainer.train(features: x, target: y, parameters: TestSupport.smallParameters(task: .regression, trees: 20))
        let explainer = try ForestExplainer(forest: forest)
        let compiled = try CompiledForest(forest: forest)
        for r in 0..<x.rowCount {
            let row = Array(x.values[(r * 6)..<(r * 6 + 6)])
            let (phi, totals) = try explainer.explain(row: row, output: 0)
            #expect(abs(totals.baseValue + phi.reduce(0, +) - (try compiled.predict(row: row)[0])) < 1e-9)
        }
    }
}
