// ThresholdBound: an ONNX comparison rewritten as Grove's single `x <= bound`.

/// Rewrites "R(x) <= t" (or "R(x) < t") as "x <= bound" for every non-NaN double x,
/// where R is the identity (double inputs) or the rounding to float32 that a float
/// input tensor applies (round to nearest, ties to even, as onnxruntime's Cast does).
///
/// So the compiled walk stays one double comparison per node whatever the file's
/// precision: opset-1 files (float thresholds, float input) compare float32(x) with a
/// float32 threshold; scikit-learn files with double thresholds compare float32(x) with
/// the double; double inputs compare doubles. Each is exact, not approximate.
enum ThresholdBound {
    /// The largest double `b` with: x <= b exactly when R(x) <= t (strict: R(x) < t).
    /// `t` must be finite.
    static func bound(_ t: Double, strict: Bool, roundsToFloat: Bool) -> Double {
        guard roundsToFloat else { return strict ? t.nextDown : t }
        // The largest float32 f that satisfies the comparison: R(x) <= f is then the test.
        var f = Float(t)
        if strict ? Double(f) >= t : Double(f) > t { f = f.nextDown }
        // Floats above 2^128 - 2^103 (the midpoint past Float.greatestFiniteMagnitude) round to infinity.
        let overflow = 0x1p128 - 0x1p103
        if f == -.infinity { return -overflow }
        let up = f.nextUp
        if up == .infinity { return overflow.nextDown }
        // Doubles below the midpoint round to f or lower; the midpoint itself to the even one.
        let mid = (Double(f) + Double(up)) / 2
        return f.bitPattern & 1 == 0 ? mid : mid.nextDown
    }
}
