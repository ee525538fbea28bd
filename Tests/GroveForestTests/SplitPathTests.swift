// SplitPathTests: the dense-histogram, two-copy and sorted-group paths of the tree learner
// only change speed: forcing each one grows the same forest, bit for bit. One known exception,
// kept as it is so that trained models stay what they were: two-class entropy.

import Testing
@testable import GroveForest

@Suite struct SplitPathTests {
    static let forced: [(String, SplitPaths)] = [
        ("dense histograms only", .denseOnly),
        ("two-copy histograms only", .twoCopyOnly),
        ("marked batches only", .markedBatchOnly),
        ("sorted groups only", .sortedOnly),
    ]

    /// Three classes from the regression data's target (terciles of 2 x0 - x1).
    static func threeClassData(rows: Int, features: Int, seed: UInt64) -> (FeatureMatrix, TrainingTarget) {
        let (x, y) = TestSupport.regressionData(rows: rows, features: features, seed: seed)
        guard case let .values(v) = y else { preconditionFailure("regression data has values") }
        return (x, .classes(labels: v.map { $0 < -1 ? 0 : ($0 < 1 ? 1 : 2) }, count: 3))
    }

    static func forests(_ x: FeatureMatrix, _ y: TrainingTarget, _ p: TrainingParameters) throws -> [(String, Forest)] {
        let measured = try ForestTrainer.train(features: x, target: y, parameters: p, threads: 2, paths: .measured)
        #expect(measured.trees.reduce(0) { $0 + $1.nodeCount } > 20 * p.trees, "trees too small to exercise the paths")
        return try [("measured thresholds", measured)] + forced.map { name, paths in
            (name, try ForestTrainer.train(features: x, target: y, parameters: p, threads: 2, paths: paths))
        }
    }

    static func expectIdentical(_ forests: [(String, Forest)]) {
        let (_, reference) = forests[0]
        for (name, f) in forests.dropFirst() {
            #expect(f.trees == reference.trees, "\(name): trees differ from the measured thresholds' trees")
            #expect(f.featureImportance == reference.featureImportance, "\(name): importances differ")
            #expect(f.oobScore == reference.oobScore || (f.oobScore.isNaN && reference.oobScore.isNaN), "\(name): OOB score differs")
        }
    }

    @Test func twoClassesGini() throws {
        let (x, y) = TestSupport.binaryData(rows: 1_500, features: 8, seed: 3)
        var p = TestSupport.smallParameters(task: .classification, trees: 6)
        p.criterion = .gini
        Self.expectIdentical(try Self.forests(x, y, p))
    }

    /// Two-class entropy: the histogram paths (one or two copies) agree bit for bit, but the
    /// sorted path does not, so neither does the measured mix of both. Histograms score a boundary with the exact x ln x table on integer
    /// weights (`scanBinaryCounts`); sorted groups go through the general scan, which calls
    /// log() per class, so near-equal boundaries can rank differently. Making the sorted path
    /// use the table would change today's trained models (entropy is the default criterion),
    /// so it is a known issue here rather than a silent change; when it is fixed, this
    /// expectation fails and must become an ordinary one.
    @Test func twoClassesEntropy() throws {
        let (x, y) = TestSupport.binaryData(rows: 1_500, features: 8, seed: 3)
        var p = TestSupport.smallParameters(task: .classification, trees: 6)
        p.criterion = .entropy
        let all = try Self.forests(x, y, p)
        Self.expectIdentical(all.filter {
            $0.0 == "dense histograms only" || $0.0 == "two-copy histograms only" || $0.0 == "marked batches only"
        })
        withKnownIssue("two-class entropy: the sorted path scores boundaries with log(), the histograms with the x ln x table") {
            Self.expectIdentical(all)
        }
    }

    /// Two classes, nodes too small for dense histograms: the marked-bins groups are the
    /// sorted groups, scored the same way, so the forests agree bit for bit with sorting
    /// (alone, and within the measured mix), for both criteria and a leaf of 1 (the
    /// lightest nodes) as well as the default 10.
    @Test(arguments: [SplitCriterion.gini, .entropy], [1, 10])
    func twoClassMarkedBinsMatchSorting(criterion: SplitCriterion, leaf: Int) throws {
        let (x, y) = TestSupport.binaryData(rows: 1_500, features: 8, seed: 3)
        var p = TestSupport.smallParameters(task: .classification, trees: 6)
        p.criterion = criterion
        p.minSamplesLeaf = leaf
        for (marked, sorting) in [(SplitPaths.sortedOnly, SplitPaths.sortingOnly), (.measured, .measuredSorting)] {
            let a = try ForestTrainer.train(features: x, target: y, parameters: p, threads: 2, paths: marked)
            let b = try ForestTrainer.train(features: x, target: y, parameters: p, threads: 2, paths: sorting)
            #expect(a.trees.reduce(0) { $0 + $1.nodeCount } > 20 * p.trees, "trees too small to exercise the paths")
            #expect(a.trees == b.trees, "marked bins and sorting grow different trees")
            #expect(a.featureImportance == b.featureImportance)
        }
    }

    /// Every entry of the log-ratio table is the log() call it stands for.
    @Test func logRatioTableMatchesLog() {
        let table = LogRatioTable(limit: 200)
        var differ: [String] = []
        for b in 1...200 {
            for a in 1...b where table[a, b] != _log(Double(a) / Double(b)) { differ.append("ln(\(a)/\(b))") }
        }
        #expect(differ.isEmpty, "table entries differ from log(): \(differ.prefix(5)) (\(differ.count) in all)")
    }

    /// The unchecked reads of the small nodes' two-class entropy scan: row b starts at
    /// `rowStart(b)` with entry (0, b) = +0 (a class weight of 0 adds +0), then ln(a / b).
    @Test func logRatioRowsStartWithPlusZero() {
        let table = LogRatioTable(limit: 200)
        var differ: [String] = []
        table.withEntries { e in
            for b in 0...200 {
                if e[LogRatioTable.rowStart(b)].bitPattern != 0 { differ.append("(0, \(b))") }
                for a in stride(from: 1, through: b, by: 1)
                where e[LogRatioTable.rowStart(b) + a].bitPattern != table[a, b].bitPattern {
                    differ.append("(\(a), \(b))")
                }
            }
        }
        #expect(differ.isEmpty, "entries differ: \(differ.prefix(5)) (\(differ.count) in all)")
    }

    @Test(arguments: [SplitCriterion.gini, .entropy])
    func threeClasses(criterion: SplitCriterion) throws {
        let (x, y) = Self.threeClassData(rows: 1_200, features: 6, seed: 5)
        var p = TestSupport.smallParameters(task: .classification, trees: 6)
        p.criterion = criterion
        Self.expectIdentical(try Self.forests(x, y, p))
    }

    @Test func regression() throws {
        let (x, y) = TestSupport.regressionData(rows: 1_200, features: 6, seed: 9)
        let p = TestSupport.smallParameters(task: .regression, trees: 6)
        Self.expectIdentical(try Self.forests(x, y, p))
    }
}
