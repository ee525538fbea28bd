// OutOfBagAccumulatorTests: the fixed-point quantisation (rounded without libm) gives exactly
// the steps of its definition, so out-of-bag sums and metrics stay what they were.

import Testing
@testable import GroveForest

@Suite struct OutOfBagAccumulatorTests {
    /// The definition: round half away from zero, clamp to 0...2^41, 0 when not finite.
    static func reference(_ a: OutOfBagAccumulator, _ v: Double) -> Int64 {
        let q = ((v - a.lowest) * a.scale).rounded()
        return q.isFinite ? Int64(max(0, min(q, 0x1p41))) : 0
    }

    @Test func quantiseMatchesRoundingHalfAwayFromZero() {
        let a = OutOfBagAccumulator(rowCount: 1, outputs: 1, lowest: -1, highest: 3)
        var values: [Double] = [-1, 3, 0, 1, -2, 4, 1e300, -1e300, .nan, .infinity, -.infinity, .leastNonzeroMagnitude,
                                -1 + 1e-13, 3 - 1e-13, 3 + 1e-13, 0x1p41, 0.49999999999999994, 0.5]
        // Values landing exactly on and next to half steps (k + 1/2 steps above lowest).
        for k in [0.0, 1, 2, 1_000, 123_456_789, 0x1p40 - 1, 0x1p41 - 1, 0x1p41] {
            let x = (k + 0.5) / a.scale + a.lowest
            values += [x, x.nextUp, x.nextDown, k / a.scale + a.lowest]
        }
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<20_000 { values.append(rng.unit() * 6 - 2) }
        let differ = values.filter { a.quantise($0) != Self.reference(a, $0) }
        #expect(differ.isEmpty, "\(differ.count) values quantise differently: \(differ.prefix(5))")
        // The half-step inputs really are rounded both ways (the test can tell the modes apart).
        let x = (0.5 / a.scale) + a.lowest
        #expect(Set([a.quantise(x.nextDown), a.quantise(x.nextUp)]).count == 2)
    }
}
