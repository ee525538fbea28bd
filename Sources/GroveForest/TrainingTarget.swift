// Encoded training targets: class indices or regression values.

/// The target of every training row, already encoded.
public enum TrainingTarget: Sendable, Equatable {
    /// Class index per row (0..<count).
    case classes(labels: [Int32], count: Int)
    /// Regression value per row (finite).
    case values([Double])

    public var count: Int {
        switch self {
        case let .classes(labels, _): return labels.count
        case let .values(v): return v.count
        }
    }

    public var task: ModelTask {
        if case .classes = self { return .classification }
        return .regression
    }

    /// The targets of `rows` (each must be < count), in that order.
    public func selecting(rows: [Int]) -> TrainingTarget {
        switch self {
        case let .classes(labels, count): return .classes(labels: rows.map { labels[$0] }, count: count)
        case let .values(v): return .values(rows.map { v[$0] })
        }
    }
}
