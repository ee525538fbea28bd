// BinLayoutTests: the layout gathered in groups of features gives every feature the cuts and
// missing flag its own column gives (the bins, and so the trees and model files, depend on it).

import Testing
@testable import GroveForest

@Suite struct BinLayoutTests {
    /// Feature f's layout from its column alone: the sampled non-missing values (the first
    /// non-missing value when the sample has none), sorted by `sort()`, cut by `cutPoints`.
    static func alone(_ m: FeatureMatrix, feature f: Int, maxBins: Int?) -> (cuts: [Double], missing: Bool) {
        let n = m.rowCount, p = m.featureCount
        let stride = maxBins == nil ? 1 : max(1, (n + FeatureBinner.sampleCap - 1) / FeatureBinner.sampleCap)
        let all = (0..<n).map { m.values[$0 * p + f] }
        var column = Swift.stride(from: 0, to: n, by: stride).map { all[$0] }.filter { !$0.isNaN }
        if column.isEmpty, let v = all.first(where: { !$0.isNaN }) { column = [v] }
        column.sort()
        let missing = all.contains { $0.isNaN }
        return (FeatureBinner.cutPoints(sorted: column, maxBins: maxBins.map { max(1, $0 - (missing ? 1 : 0)) }), missing)
    }

    /// Feature counts around the group size, values with missing ones, -0 and +0, a
    /// constant, a two-valued, an all-missing-but-one column; sampled rows (more rows than
    /// `sampleCap`) and exact splits.
    @Test(arguments: [(1, 3_000, 255 as Int?), (5, 3_000, 32), (9, 2_500, nil), (6, FeatureBinner.sampleCap + 7_001, 255)])
    func groupsGiveEachFeatureItsOwnLayout(features p: Int, rows n: Int, maxBins: Int?) throws {
        var rng = RandomGenerator(seed: UInt64(p * 31 + n))
        var values = [Double](repeating: 0, count: n * p)
        for r in 0..<n {
            for f in 0..<p {
                let u = rng.unit()
                let v: Double
                switch f % 5 {
                case 0: v = u < 0.05 ? .nan : (u - 0.5) * 1e3
                case 1: v = u < 0.5 ? -0.0 : (u < 0.75 ? 0.0 : 1.0)
                case 2: v = 7
                case 3: v = r == n / 3 ? 2.5 : .nan
                default: v = (u * u * 50).rounded() - 10
                }
                values[r * p + f] = v
            }
        }
        let m = try FeatureMatrix(rowCount: n, featureCount: p, values: values)
        let layout = FeatureBinner.layout(m, maxBins: maxBins, threads: 2)
        for f in 0..<p {
            let want = Self.alone(m, feature: f, maxBins: maxBins)
            #expect(layout.cuts[f].map(\.bitPattern) == want.cuts.map(\.bitPattern), "feature \(f)")
            #expect(layout.hasMissing[f] == want.missing, "feature \(f)")
        }
    }

    /// The radix sort orders as `sort()` does (-0 and +0 compare equal and may swap).
    @Test func radixSortMatchesSort() {
        var rng = RandomGenerator(seed: 17)
        for n in [0, 1, 1_023, 1_024, 5_000] {
            var v = (0..<n).map { i -> Double in
                let u = rng.unit()
                switch i % 4 {
                case 0: return (u - 0.5) * 1e300
                case 1: return u < 0.5 ? -0.0 : 0.0
                case 2: return i % 8 == 2 ? .infinity : -.infinity
                default: return (u - 0.5) * 1e-300
                }
            }
            var want = v
            want.sort()
            FeatureBinner.sortValues(&v)
            #expect(v == want, "\(n) values")
        }
    }
}
