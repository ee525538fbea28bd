// Population stability index (PSI): how far a column's distribution moved between two samples.

import Foundation

/// PSI = sum over bins of (actual% - expected%) x ln(actual% / expected%), the credit
/// industry's drift check: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a
/// major shift. Shares are floored at 0.0001 so an empty bin gives a large, finite term.
public struct PopulationStability: Sendable, Equatable {
    public var name: String
    /// Bin labels ("<= 3.5", "(3.5, 7]", "> 12", "missing", a category, "other").
    public var bins: [String]
    /// Shares of the expected (training) and actual (scored) sample in each bin.
    public var expected: [Double]
    public var actual: [Double]
    public var index: Double

    public static let floorShare = 0.0001

    /// Reading of `index` by the usual thresholds.
    public var verdict: String { index < 0.1 ? "stable" : index < 0.25 ? "moderate shift" : "major shift" }

    public init(name: String, bins: [String], expectedCounts: [Double], actualCounts: [Double]) {
        self.name = name
        self.bins = bins
        let e = Swift.max(expectedCounts.reduce(0, +), 1), a = Swift.max(actualCounts.reduce(0, +), 1)
        expected = expectedCounts.map { $0 / e }
        actual = actualCounts.map { $0 / a }
        index = zip(expected, actual).reduce(0) { sum, pair in
            let x = Swift.max(pair.0, Self.floorShare), y = Swift.max(pair.1, Self.floorShare)
            return sum + (y - x) * Foundation.log(y / x)
        }
    }

    /// Numeric values: bins at the expected sample's deciles (distinct cut points), plus
    /// a "missing" bin for NaN when either sample has one.
    public static func numeric(name: String, expected: [Double], actual: [Double], bins: Int = 10) -> PopulationStability {
        let sorted = expected.filter { !$0.isNaN }.sorted()
        var cuts: [Double] = []
        if !sorted.isEmpty {
            for q in 1..<bins {
                let c = sorted[Swift.min(sorted.count - 1, q * sorted.count / bins)]
                if c != cuts.last && c != sorted.last { cuts.append(c) }
            }
        }
        func bin(_ v: Double) -> Int {
            if v.isNaN { return cuts.count + 1 }
            var lo = 0, hi = cuts.count  // first cut >= v
            while lo < hi { let m = (lo + hi) / 2; if cuts[m] < v { lo = m + 1 } else { hi = m } }
            return lo
        }
        var e = [Double](repeating: 0, count: cuts.count + 2), a = e
        for v in expected { e[bin(v)] += 1 }
        for v in actual { a[bin(v)] += 1 }
        var labels: [String] = []
        for i in 0...cuts.count {
            if cuts.isEmpty { labels.append("all") }
            else if i == 0 { labels.append("<= \(short(cuts[0]))") }
            else if i == cuts.count { labels.append("> \(short(cuts[i - 1]))") }
            else { labels.append("(\(short(cuts[i - 1])), \(short(cuts[i]))]") }
        }
        labels.append("missing")
        if e.last == 0 && a.last == 0 { e.removeLast(); a.removeLast(); labels.removeLast() }
        return PopulationStability(name: name, bins: labels, expectedCounts: e, actualCounts: a)
    }

    /// Category labels (nil = missing); categories not in the expected sample share "other".
    public static func categorical(name: String, expected: [String?], actual: [String?]) -> PopulationStability {
        var index: [String: Int] = [:]
        var labels: [String] = []
        for v in expected { if let v, index[v] == nil { index[v] = labels.count; labels.append(v) } }
        let other = labels.count, missing = labels.count + 1
        var e = [Double](repeating: 0, count: labels.count + 2), a = e
        for v in expected { e[v.map { index[$0]! } ?? missing] += 1 }
        for v in actual { a[v.map { index[$0] ?? other } ?? missing] += 1 }
        labels += ["other", "missing"]
        for i in stride(from: labels.count - 1, through: other, by: -1) where e[i] == 0 && a[i] == 0 {
            e.remove(at: i); a.remove(at: i); labels.remove(at: i)
        }
        return PopulationStability(name: name, bins: labels, expectedCounts: e, actualCounts: a)
    }

    private static func short(_ v: Double) -> String { String(format: "%.4g", v) }
}
