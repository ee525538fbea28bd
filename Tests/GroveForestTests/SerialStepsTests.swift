// SerialStepsTests: the shortcuts of the serial steps between reading and binning (distinct
// values through a short list, infinite values found by blocks) give what the plain loops give.

import Testing
@testable import GroveForest

@Suite struct SerialStepsTests {
    /// The plain loop: a set of the values seen, the first of each kept in order.
    static func plainDistinct(_ values: [Double], upTo limit: Int) -> [Double] {
        var seen = Set<Double>()
        var out: [Double] = []
        for x in values where !x.isNaN && seen.insert(x).inserted {
            out.append(x)
            if out.count > limit { break }
        }
        return out
    }

    @Test func distinctValuesAreTheSetsInFirstSeenOrder() {
        var rng = RandomGenerator(seed: 4)
        for kinds in [1, 2, 3, 10, 16, 17, 40, 500] {
            let values = (0..<3_000).map { i -> Double in
                if i % 97 == 0 { return .nan }
                let k = Int(rng.unit() * Double(kinds))
                return k == 0 && i % 2 == 0 ? -0.0 : Double(k) / 4
            }
            for limit in [Int.max, 10, 16, 17] {
                let got = Preprocessing.distinctValues(values, upTo: limit)
                let want = Self.plainDistinct(values, upTo: limit)
                #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(kinds) kinds, limit \(limit)")
            }
        }
        #expect(Preprocessing.distinctValues([.nan, .nan]).isEmpty)
    }

    @Test func theFirstInfiniteValueIsFound() {
        let n = 3 * 4_096 + 5
        #expect(ForestTrainer.firstInfinite([Double](repeating: 1, count: n)) == nil)
        #expect(ForestTrainer.firstInfinite([Double](repeating: .nan, count: 10)) == nil)
        #expect(ForestTrainer.firstInfinite([.greatestFiniteMagnitude, -.greatestFiniteMagnitude]) == nil)
        for at in [0, 1, 4_095, 4_096, 8_191, n - 1] {
            for bad in [Double.infinity, -.infinity] {
                var v = [Double](repeating: 2, count: n)
                v[at] = bad
                if at + 7 < n { v[at + 7] = .infinity }
                #expect(ForestTrainer.firstInfinite(v) == at, "\(bad) at \(at)")
            }
        }
    }
}
