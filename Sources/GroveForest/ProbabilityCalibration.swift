// A monotone map from the forest's positive-class probability to a calibrated one.

import Foundation

/// Recalibrates binary probabilities. Fitted on out-of-bag predictions of the training rows
/// (never on held-out rows), stored in the model file and applied wherever the model scores:
/// the server, `grove predict`, `grove evaluate` and `grove report`.
///
/// `apply` maps p = P(positive) from the forest to q; the other class gets 1 - q. Both maps
/// are non-decreasing, so they never change the order of scores (AUC, KS and Gini stay the
/// same up to ties that isotonic steps create). Outputs are kept inside [floor, 1 - floor].
public struct ProbabilityCalibration: Sendable, Equatable {
    public var method: CalibrationMethod
    /// Platt: q = 1 / (1 + exp(a * p + b)) (scikit-learn's sign convention; a < 0 when p
    /// ranks well).
    public var plattA: Double
    public var plattB: Double
    /// Isotonic: knots (x ascending, y non-decreasing); q is the linear interpolation of y
    /// between knots and the end value outside them.
    public var knotsX: [Double]
    public var knotsY: [Double]
    /// Lowest and (1 - floor) highest output: 1 / (2 (n + 1)) for n fitting rows, so a
    /// calibrated model never claims certainty its training rows cannot support.
    public var floor: Double

    /// Most isotonic knots a model file may hold (checked by `validate`).
    public static let maxKnots = 1 << 16

    public static let identity = ProbabilityCalibration(method: .none, plattA: 0, plattB: 0, knotsX: [], knotsY: [], floor: 0)

    public init(method: CalibrationMethod, plattA: Double, plattB: Double, knotsX: [Double], knotsY: [Double],
                floor: Double) {
        self.method = method
        self.plattA = plattA
        self.plattB = plattB
        self.knotsX = knotsX
        self.knotsY = knotsY
        self.floor = floor
    }

    /// The calibrated probability of the positive class for the forest's `p`.
    @inline(__always)
    public func apply(_ p: Double) -> Double {
        let q: Double
        switch method {
        case .none: return p
        case .platt: q = 1 / (1 + Foundation.exp(plattA * p + plattB))
        case .isotonic: q = interpolate(p)
        }
        return Swift.min(Swift.max(q, floor), 1 - floor)
    }

    /// Recalibrates `rows` rows of two class probabilities in place (no allocation).
    @inline(__always)
    public func apply(rows: Int, positiveClass: Int, to out: UnsafeMutableBufferPointer<Double>) {
        if method == .none { return }
        let neg = 1 - positiveClass
        for r in 0..<rows {
            let q = apply(out[r * 2 + positiveClass])
            out[r * 2 + positiveClass] = q
            out[r * 2 + neg] = 1 - q
        }
    }

    /// Recalibrates row-major two-class probabilities.
    public func apply(probabilities: [Double], positiveClass: Int) -> [Double] {
        var out = probabilities
        out.withUnsafeMutableBufferPointer { apply(rows: probabilities.count / 2, positiveClass: positiveClass, to: $0) }
        return out
    }

    private func interpolate(_ p: Double) -> Double {
        let n = knotsX.count
        if p <= knotsX[0] { return knotsY[0] }
        if p >= knotsX[n - 1] { return knotsY[n - 1] }
        var lo = 0, hi = n - 1  // knotsX[lo] < p < knotsX[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if knotsX[mid] <= p { lo = mid } else { hi = mid }
        }
        let span = knotsX[hi] - knotsX[lo]
        return span > 0 ? knotsY[lo] + (knotsY[hi] - knotsY[lo]) * (p - knotsX[lo]) / span : knotsY[hi]
    }

    /// Fits `method` to scores and outcomes (out-of-bag predictions of the training rows).
    public static func fit(_ method: CalibrationMethod, scores: [Double], positives: [Bool]) throws -> ProbabilityCalibration {
        guard scores.count == positives.count, !scores.isEmpty else {
            throw TrainingError.invalidParameter("calibration needs out-of-bag predictions (bootstrap on, rows > 0)")
        }
        let nPos = positives.filter { $0 }.count
        guard nPos > 0, nPos < positives.count else {
            throw TrainingError.invalidParameter("calibration needs both classes among the out-of-bag rows")
        }
        let floor = 1 / (2 * Double(scores.count + 1))
        switch method {
        case .none: return .identity
        case .platt:
            let (a, b) = fitPlatt(scores: scores, positives: positives, positiveCount: nPos)
            return ProbabilityCalibration(method: .platt, plattA: a, plattB: b, knotsX: [], knotsY: [], floor: floor)
        case .isotonic:
            let (x, y) = fitIsotonic(scores: scores, positives: positives)
            return ProbabilityCalibration(method: .isotonic, plattA: 0, plattB: 0, knotsX: x, knotsY: y, floor: floor)
        }
    }

    /// Platt's method with his target smoothing (targets (N+ + 1) / (N+ + 2) and
    /// 1 / (N- + 2)), by Newton's method with step halving on the log loss.
    static func fitPlatt(scores: [Double], positives: [Bool], positiveCount nPos: Int) -> (Double, Double) {
        let nNeg = scores.count - nPos
        let hi = (Double(nPos) + 1) / (Double(nPos) + 2), lo = 1 / (Double(nNeg) + 2)
        let t = positives.map { $0 ? hi : lo }
        func loss(_ a: Double, _ b: Double) -> Double {
            var s = 0.0
            for (x, ti) in zip(scores, t) {
                let f = a * x + b  // q = 1 / (1 + e^f); -log q = log(1 + e^f); -log(1 - q) = log(1 + e^-f)
                s += ti * softplus(f) + (1 - ti) * softplus(-f)
            }
            return s
        }
        var a = 0.0, b = Foundation.log((Double(nNeg) + 1) / (Double(nPos) + 1))
        var current = loss(a, b)
        for _ in 0..<100 {
            var gA = 0.0, gB = 0.0, hAA = 1e-12, hAB = 0.0, hBB = 1e-12
            for (x, ti) in zip(scores, t) {
                let q = 1 / (1 + Foundation.exp(a * x + b))
                let g = ti - q  // d loss / d f; d² loss / d f² = q (1 - q)
                gA += g * x; gB += g
                let w = q * (1 - q)
                hAA += w * x * x; hAB += w * x; hBB += w
            }
            let det = hAA * hBB - hAB * hAB
            if det <= 0 || (abs(gA) < 1e-10 && abs(gB) < 1e-10) { break }
            let dA = (hBB * gA - hAB * gB) / det, dB = (hAA * gB - hAB * gA) / det
            var step = 1.0
            var improved = false
            while step > 1e-10 {
                let na = a - step * dA, nb = b - step * dB
                let l = loss(na, nb)
                if l < current - 1e-12 {
                    a = na; b = nb; current = l; improved = true
                    break
                }
                step /= 2
            }
            if !improved { break }
        }
        return (a, b)
    }

    /// Pool adjacent violators over scores sorted ascending (ties pooled first); each block
    /// contributes a knot at its lowest and highest score with the block's positive rate.
    static func fitIsotonic(scores: [Double], positives: [Bool]) -> ([Double], [Double]) {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Blocks: (lowest score, highest score, positives, weight).
        var lows: [Double] = [], highs: [Double] = [], sums: [Double] = [], weights: [Double] = []
        for i in order {
            let s = scores[i], y: Double = positives[i] ? 1 : 0
            if let last = highs.last, last == s {
                sums[sums.count - 1] += y; weights[weights.count - 1] += 1
            } else {
                lows.append(s); highs.append(s); sums.append(y); weights.append(1)
            }
            while sums.count > 1 {
                let k = sums.count - 1
                if sums[k - 1] / weights[k - 1] < sums[k] / weights[k] { break }
                sums[k - 1] += sums[k]; weights[k - 1] += weights[k]; highs[k - 1] = highs[k]
                sums.removeLast(); weights.removeLast(); lows.removeLast(); highs.removeLast()
            }
        }
        var x: [Double] = [], y: [Double] = []
        for k in sums.indices {
            let v = sums[k] / weights[k]
            x.append(lows[k]); y.append(v)
            if highs[k] > lows[k] { x.append(highs[k]); y.append(v) }
        }
        // Thin to at most maxKnots (only huge, finely varied inputs get here): keep evenly
        // spaced knots and both ends; interpolation between them stays non-decreasing.
        if x.count > maxKnots {
            let keep = (0..<maxKnots).map { $0 * (x.count - 1) / (maxKnots - 1) }
            x = keep.map { x[$0] }; y = keep.map { y[$0] }
        }
        return (x, y)
    }

    /// Checks what a hostile model file could break: sizes, order, finiteness, ranges.
    public func validate() throws {
        func bad(_ s: String) -> ModelError { .badCalibration(s) }
        guard floor.isFinite, floor >= 0, floor < 0.5 else { throw bad("floor \(floor) outside [0, 0.5)") }
        switch method {
        case .none:
            if !knotsX.isEmpty || !knotsY.isEmpty { throw bad("knots without isotonic calibration") }
        case .platt:
            guard plattA.isFinite, plattB.isFinite else { throw bad("Platt parameters are not finite") }
        case .isotonic:
            guard !knotsX.isEmpty, knotsX.count == knotsY.count else { throw bad("isotonic knots: \(knotsX.count) x, \(knotsY.count) y") }
            guard knotsX.count <= Self.maxKnots else { throw bad("\(knotsX.count) isotonic knots; the maximum is \(Self.maxKnots)") }
            for i in knotsX.indices {
                guard knotsX[i].isFinite, knotsY[i].isFinite, knotsY[i] >= 0, knotsY[i] <= 1 else {
                    throw bad("isotonic knot \(i) is not finite or outside [0, 1]")
                }
                if i > 0 && (knotsX[i] < knotsX[i - 1] || knotsY[i] < knotsY[i - 1]) {
                    throw bad("isotonic knots are not non-decreasing at \(i)")
                }
            }
        }
    }
}

@inline(__always)
private func softplus(_ f: Double) -> Double {
    f > 0 ? f + Foundation.log1p(Foundation.exp(-f)) : Foundation.log1p(Foundation.exp(f))
}
