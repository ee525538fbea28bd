// ThresholdBoundTests: "x <= bound" decides exactly as float32(x) <= t, float32(x) < t, and the double comparisons.

@testable import GroveONNX
import Testing

@Suite struct ThresholdBoundTests {
    /// Doubles around a float32 threshold: the float itself, its neighbours, the midpoints
    /// and the doubles next to them, on both sides of zero, subnormals and the largest float.
    static func probes(around t: Float) -> [Double] {
        var xs: [Double] = []
        for f in [t.nextDown, t, t.nextUp] where f.isFinite {
            let d = Double(f)
            xs += [d, d.nextUp, d.nextDown]
            for g in [f.nextDown, f.nextUp] where g.isFinite {
                let mid = (d + Double(g)) / 2
                xs += [mid, mid.nextUp, mid.nextDown]
            }
        }
        return xs
    }

    static let thresholds: [Float] = [0, -0.0, 0.1, -0.1, 0.3, 1, 1.5, -2.75, 1e-40, -1e-40, .leastNonzeroMagnitude,
                                      -.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 3.4e38, 16_777_216]

    @Test func floatSemanticsAreExact() {
        for t in Self.thresholds {
            for strict in [false, true] {
                let bound = ThresholdBound.bound(Double(t), strict: strict, roundsToFloat: true)
                for x in Self.probes(around: t) {
                    let expected = strict ? Float(x) < t : Float(x) <= t
                    #expect((x <= bound) == expected, "x=\(x) t=\(t) strict=\(strict)")
                }
            }
        }
    }

    @Test func doubleThresholdsWithFloatInputs() {
        // scikit-learn's convention: float32(x) <= a double threshold between two floats.
        for t in [0.30000001192092896 + 1e-12, 0.1, 2.5 + 1e-9, -7.25e-3] {
            for strict in [false, true] {
                let bound = ThresholdBound.bound(t, strict: strict, roundsToFloat: true)
                for x in Self.probes(around: Float(t)) {
                    let expected = strict ? Double(Float(x)) < t : Double(Float(x)) <= t
                    #expect((x <= bound) == expected, "x=\(x) t=\(t) strict=\(strict)")
                }
            }
        }
    }

    @Test func doubleSemanticsAreExact() {
        for t in [0.3, -1.0, 0, 1e300] {
            #expect(ThresholdBound.bound(t, strict: false, roundsToFloat: false) == t)
            let b = ThresholdBound.bound(t, strict: true, roundsToFloat: false)
            #expect(b < t && !(t.nextDown < b))
        }
    }
}
