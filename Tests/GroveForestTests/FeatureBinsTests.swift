// FeatureBinsTests: a split's global bin, found by bisection, is the bin the step-by-step walk
// finds (the trees, and so the trained models, depend on it).

import Testing
@testable import GroveForest

@Suite struct FeatureBinsTests {
    /// The definition `splitBin` implements: from b1, step up while the next bin's smallest
    /// value (of it or any higher bin) is at most the midpoint of the two bins' values.
    static func walkedSplitBin(_ bins: FeatureBins<UInt8>, feature f: Int, b1: Int, b2: Int) -> Int {
        let off = bins.binOffset[f]
        if bins.hasMissing[f] && b1 == 0 { return 0 }
        let target = FeatureBinner.midpoint(bins.upper[off + b1], bins.lower[off + b2])
        var m = b1
        while m + 1 < b2 && bins.suffixLower[off + m + 1] <= target { m += 1 }
        return m
    }

    /// Every pair of non-empty bins b1 < b2 of features with few and many distinct values,
    /// repeated values, gaps (bins a quantile layout leaves empty on the sampled rows)
    /// and missing values.
    @Test(arguments: [8, 32, 255])
    func bisectionMatchesTheWalk(maxBins: Int) throws {
        var rng = RandomGenerator(seed: 11)
        let rows = 3_000, p = 4
        var values: [Double] = []
        for r in 0..<rows {
            let u = rng.unit()
            values.append((u * 40).rounded())                              // 41 distinct values
            values.append(u < 0.1 ? .nan : u * u * u * 1_000)               // skewed, with missing
            values.append(r % 7 == 0 ? 5 : (rng.unit() * 1e4).rounded())   // one heavy value
            values.append(u < 0.5 ? -1 : (u < 0.9 ? 0 : 1e6 * u))           // three clusters
        }
        let m = try FeatureMatrix(rowCount: rows, featureCount: p, values: values)
        let layout = FeatureBinner.layout(m, maxBins: maxBins, threads: 2)
        let bins = FeatureBinner.encode(m, layout: layout, as: UInt8.self, threads: 2)
        var pairs = 0
        var differ: [String] = []
        for f in 0..<p {
            let off = bins.binOffset[f]
            let nonEmpty = (0..<bins.binCount[f]).filter { bins.lower[off + $0] <= bins.upper[off + $0] || (bins.hasMissing[f] && $0 == 0) }
            for (i, b1) in nonEmpty.enumerated() {
                for b2 in nonEmpty[(i + 1)...] {
                    pairs += 1
                    let want = Self.walkedSplitBin(bins, feature: f, b1: b1, b2: b2)
                    let got = bins.splitBin(feature: f, b1: b1, b2: b2)
                    if got != want { differ.append("feature \(f) bins \(b1)..\(b2): \(got), walk \(want)") }
                }
            }
        }
        #expect(pairs >= 100, "too few bin pairs to exercise the search")
        #expect(differ.isEmpty, "\(differ.count) of \(pairs) differ: \(differ.prefix(5))")
    }
}
