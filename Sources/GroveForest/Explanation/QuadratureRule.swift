// Gauss-Legendre quadrature on [0, 1]: the exact integrator behind the explainer.

import Foundation

/// The m-point Gauss-Legendre rule on [0, 1]: nodes t_k in (0, 1) and positive weights
/// w_k summing to 1, such that Σ w_k p(t_k) = ∫₀¹ p(t) dt exactly (up to rounding) for
/// every polynomial p of degree at most 2m - 1.
///
/// TreeSHAP's Shapley weights are Beta integrals, |S|!(d-|S|-1)!/d! = ∫₀¹ t^|S| (1-t)^(d-|S|-1) dt,
/// so a path's whole Shapley sum is the integral of a degree d - 1 polynomial in t and
/// ceil(d/2) nodes compute it exactly (see `ForestExplainer`).
public struct QuadratureRule: Sendable, Equatable {
    public let nodes: [Double]
    public let weights: [Double]

    /// Largest rule built (enough for paths of 2 x 512 distinct features).
    public static let maxPoints = 512

    /// Builds the `points`-point rule (1...maxPoints) by Newton's method on the
    /// Legendre polynomial P_m, from the classical initial guesses, to full precision.
    public init(points m: Int) {
        precondition(m >= 1 && m <= QuadratureRule.maxPoints, "quadrature points \(m) outside 1...\(QuadratureRule.maxPoints)")
        var nodes = [Double](repeating: 0, count: m)
        var weights = [Double](repeating: 0, count: m)
        for i in 0..<((m + 1) / 2) {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(m) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                // P_m(x) and P_m'(x) by the three-term recurrence.
                var p0 = 1.0, p1 = x
                if m == 1 { p1 = x; p0 = 1 } else {
                    for n in 2...m {
                        let p2 = (Double(2 * n - 1) * x * p1 - Double(n - 1) * p0) / Double(n)
                        p0 = p1
                        p1 = p2
                    }
                }
                derivative = Double(m) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-17 { break }
            }
            if m == 1 { derivative = 1 }
            let w = 2 / ((1 - x * x) * derivative * derivative)
            // x and -x are both nodes; map [-1, 1] onto [0, 1].
            nodes[i] = (1 - x) / 2
            nodes[m - 1 - i] = (1 + x) / 2
            weights[i] = w / 2
            weights[m - 1 - i] = w / 2
        }
        self.nodes = nodes
        self.weights = weights
    }
}
