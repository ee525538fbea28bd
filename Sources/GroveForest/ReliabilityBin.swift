// One bin of a reliability (calibration) diagram.

/// Rows whose predicted probability fell in [lower, upper) (the last bin includes 1):
/// how many, their mean prediction and the observed rate of positives.
public struct ReliabilityBin: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var count: Int
    public var meanPredicted: Double
    public var observedRate: Double

    public init(lower: Double, upper: Double, count: Int, meanPredicted: Double, observedRate: Double) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.meanPredicted = meanPredicted
        self.observedRate = observedRate
    }

    /// Most bins a model file may hold.
    public static let maxBins = 1000

    /// `bins` equal-width bins over [0, 1]; empty bins are kept (count 0, means NaN).
    public static func bins(scores: [Double], positives: [Bool], bins: Int = 10) -> [ReliabilityBin] {
        let k = max(1, min(bins, maxBins))
        var count = [Int](repeating: 0, count: k), sum = [Double](repeating: 0, count: k)
        var pos = [Int](repeating: 0, count: k)
        for (s, y) in zip(scores, positives) where !s.isNaN {
            let b = min(k - 1, max(0, Int(s * Double(k))))
            count[b] += 1
            sum[b] += s
            if y { pos[b] += 1 }
        }
        return (0..<k).map { b in
            ReliabilityBin(lower: Double(b) / Double(k), upper: Double(b + 1) / Double(k), count: count[b],
                           meanPredicted: count[b] > 0 ? sum[b] / Double(count[b]) : .nan,
                           observedRate: count[b] > 0 ? Double(pos[b]) / Double(count[b]) : .nan)
        }
    }

    /// Expected calibration error: the count-weighted mean |mean predicted - observed rate|.
    public static func expectedCalibrationError(_ bins: [ReliabilityBin]) -> Double {
        let n = bins.reduce(0) { $0 + $1.count }
        if n == 0 { return .nan }
        return bins.filter { $0.count > 0 }.reduce(0) {
            $0 + Double($1.count) * abs($1.meanPredicted - $1.observedRate)
        } / Double(n)
    }

    public static func == (a: ReliabilityBin, b: ReliabilityBin) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.lower == b.lower && a.upper == b.upper && a.count == b.count
            && same(a.meanPredicted, b.meanPredicted) && same(a.observedRate, b.observedRate)
    }
}
