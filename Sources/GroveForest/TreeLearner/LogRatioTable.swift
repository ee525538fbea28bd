// LogRatioTable: ln(a / b) for small integer weights, computed once (entropy scans of small nodes).

/// ln(a / b) for integers 0 < a <= b <= `limit`, each entry computed as
/// `log(Double(a) / Double(b))`: a lookup returns exactly what that call returns, so a scan
/// may read the table or call `log` and choose the same split. Entropy scans of nodes whose
/// weight is at most `limit` read it (classification weights are integer bootstrap counts,
/// so every left or right class weight and side weight of such a node is in range).
struct LogRatioTable: Sendable {
    /// The largest weight the table covers.
    let limit: Int
    /// Entry (a, b) at b (b + 1) / 2 + a; entry (0, b) is +0.
    private let values: [Double]

    /// The table of every run (nodes small enough for sorted groups weigh about 100).
    static let shared = LogRatioTable(limit: 128)

    init(limit: Int) {
        self.limit = limit
        var v = [Double](repeating: 0, count: (limit + 1) * (limit + 2) / 2)
        for b in 1...max(limit, 1) {
            for a in 1...b { v[b * (b + 1) / 2 + a] = _log(Double(a) / Double(b)) }
        }
        values = v
    }

    /// Where row b starts: entry (a, b) is at `rowStart(b) + a` of `withEntries`' pointer.
    @inline(__always)
    static func rowStart(_ b: Int) -> Int { (b &* (b &+ 1)) >> 1 }

    /// The entries for unchecked reads (0 <= a <= b <= limit; entry (0, b) is +0, so a term
    /// c * ln(c / w) read for c = 0 is +0).
    @inline(__always)
    func withEntries<R>(_ body: (UnsafePointer<Double>) -> R) -> R {
        values.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// ln(a / b); requires 0 < a <= b <= limit.
    @inline(__always)
    subscript(_ a: Int, _ b: Int) -> Double {
        values.withUnsafeBufferPointer { $0[(b &* (b &+ 1)) >> 1 &+ a] }
    }
}
