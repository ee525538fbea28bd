// CutTableTests: the slot table finds every value's bin as counting the cuts below it does
// (the bin codes, and so the trees and model files, depend on it).

import Testing
@testable import GroveForest

@Suite struct CutTableTests {
    /// The definition: the number of cuts below v (the first cut at or above v), by bisection
    /// over the ascending cuts.
    static func counted(_ v: Double, _ cuts: [Double]) -> Int {
        var lo = 0, hi = cuts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cuts[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Cut sets of every shape the binner gives or could: none, one, two, quantile cuts of
    /// skewed and clustered data, neighbouring doubles, subnormals, a range that overflows
    /// when subtracted, and more cuts than the table has slots (exact splits).
    static func cutSets() -> [[Double]] {
        var rng = RandomGenerator(seed: 5)
        var sets: [[Double]] = [[], [0.5], [-1, 1e-300]]
        var skewed = (0..<40_000).map { _ in let u = rng.unit(); return u * u * u * u * 1e3 - 3 }
        FeatureBinner.sortValues(&skewed)
        sets.append(FeatureBinner.cutPoints(sorted: skewed, maxBins: 255))
        var clustered = (0..<10_000).map { i in (i % 3 == 0 ? -1e6 : 0) + rng.unit() * (i % 5 == 0 ? 1e-9 : 1) }
        FeatureBinner.sortValues(&clustered)
        sets.append(FeatureBinner.cutPoints(sorted: clustered, maxBins: 64))
        sets.append(FeatureBinner.cutPoints(sorted: clustered, maxBins: nil))   // thousands of cuts
        var near: [Double] = [1.0]
        for _ in 0..<20 { near.append(near[near.count - 1].nextUp) }
        sets.append(near)
        sets.append([Double.leastNonzeroMagnitude, 2 * .leastNonzeroMagnitude, 1e-310, 1e-300])
        sets.append([-Double.greatestFiniteMagnitude, -1, 0, 1, .greatestFiniteMagnitude])
        sets.append([-0.0, 1e-320, 3])
        // Exact splits of skewed data: 5,000 cuts crowded into the first slot by one far value
        // (the search bisects them).
        var crowded = (0..<5_000).map { Double($0) }
        crowded.append(1e12)
        sets.append(crowded)
        return sets
    }

    @Test func everyValueFindsTheCountedBin() {
        let sets = Self.cutSets()
        let table = CutTable(cuts: sets)
        defer { table.release() }
        var rng = RandomGenerator(seed: 9)
        var checked = 0
        var differ: [String] = []
        for (f, cuts) in sets.enumerated() {
            var values: [Double] = [0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                    .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1]
            for c in cuts { values += [c, c.nextUp, c.nextDown, c.nextUp.nextUp, c.nextDown.nextDown] }
            if let lo = cuts.first, let hi = cuts.last {
                for _ in 0..<2_000 {
                    let u = rng.unit()
                    values.append(lo + (hi - lo) * (u * 1.2 - 0.1))
                    values.append(lo / 2 + hi / 2 * u)
                }
            }
            for v in values {
                checked += 1
                let want = Self.counted(v, cuts)
                let got = table.firstCutAtOrAbove(v, feature: f)
                if got != want { differ.append("feature \(f) value \(v): \(got), counted \(want)") }
            }
        }
        #expect(checked > 50_000, "too few values checked")
        #expect(differ.isEmpty, "\(differ.count) of \(checked) differ: \(differ.prefix(5))")
    }

    /// The table gives most features several slots (else the search is a scan from the first cut).
    @Test func quantileCutsGetSlots() {
        let sets = Self.cutSets()
        let table = CutTable(cuts: sets)
        defer { table.release() }
        #expect(table.features[3].lastSlotIndex == CutTable.slotsPerCut * sets[3].count - 1)
        #expect(table.features[5].lastSlotIndex == CutTable.maxSlots - 1)
        #expect(table.features[0].lastSlotIndex == 0)
    }

    /// Cuts crowded into one slot are bisected, not scanned: a value in the middle of 5,000
    /// such cuts reads about log2(5,000) of them (counted through `probe`).
    @Test func crowdedCutsAreBisected() {
        let sets = Self.cutSets()
        let f = sets.count - 1
        let table = CutTable(cuts: sets)
        defer { table.release() }
        #expect(table.features[f].lastSlotIndex > 0)
        #expect(CutTable.slot(2_500.5, table.features[f]) == 0, "the test's cuts are not crowded into slot 0")
        var reads = 0
        let got = table.firstCutAtOrAbove(2_500.5, feature: f) { reads += 1 }
        #expect(got == 2_501)
        #expect(reads <= 20, "\(reads) cuts read")
    }
}
