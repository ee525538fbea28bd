// Encoded feature rows, row-major, ready for training and inference.

/// A dense matrix of encoded features: `rowCount` rows of `featureCount` Doubles,
/// row-major. NaN means missing.
public struct FeatureMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let featureCount: Int
    public private(set) var values: [Double]

    public enum ShapeError: Error, Equatable, Sendable, CustomStringConvertible {
        case wrongCount(expected: Int, found: Int)
        public var description: String {
            switch self {
            case let .wrongCount(e, f): return "feature matrix needs \(e) values, got \(f)"
            }
        }
    }

    /// Wraps row-major `values`; its count must be rowCount * featureCount.
    public init(rowCount: Int, featureCount: Int, values: [Double]) throws {
        guard rowCount >= 0, featureCount >= 0, values.count == rowCount * featureCount else {
            throw ShapeError.wrongCount(expected: max(rowCount, 0) * max(featureCount, 0), found: values.count)
        }
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.values = values
    }

    init(unchecked rowCount: Int, featureCount: Int, values: [Double]) {
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.values = values
    }

    /// Builds a matrix from rows of equal length.
    public init(rows: [[Double]]) throws {
        let f = rows.first?.count ?? 0
        var v: [Double] = []
        v.reserveCapacity(rows.count * f)
        for r in rows {
            guard r.count == f else { throw ShapeError.wrongCount(expected: f, found: r.count) }
            v.append(contentsOf: r)
        }
        try self.init(rowCount: rows.count, featureCount: f, values: v)
    }

    /// Row `i` (must be < rowCount).
    public func row(_ i: Int) -> ArraySlice<Double> {
        values[(i * featureCount)..<((i + 1) * featureCount)]
    }

    /// The matrix restricted to `rows` (each must be < rowCount), in that order.
    public func selecting(rows: [Int]) -> FeatureMatrix {
        var v = [Double]()
        v.reserveCapacity(rows.count * featureCount)
        for r in rows { v.append(contentsOf: row(r)) }
        return FeatureMatrix(unchecked: rows.count, featureCount: featureCount, values: v)
    }
}
