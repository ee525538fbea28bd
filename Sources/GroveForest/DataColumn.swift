// One column of a DataTable: numbers (NaN = missing) or dictionary-coded category labels.

/// A named column of raw values.
///
/// Numeric storage uses NaN for missing. Categorical storage holds one code per row
/// (an index into `levels`, or -1 for missing); levels are in first-seen order.
public struct DataColumn: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case numeric([Double])
        case categorical(codes: [Int32], levels: [String])
    }

    public let name: String
    public let storage: Storage

    public init(name: String, storage: Storage) {
        self.name = name
        self.storage = storage
    }

    /// A numeric column (NaN = missing).
    public static func numeric(_ name: String, _ values: [Double]) -> DataColumn {
        DataColumn(name: name, storage: .numeric(values))
    }

    /// A categorical column from optional labels (nil = missing).
    public static func categorical(_ name: String, _ values: [String?]) -> DataColumn {
        var index: [String: Int32] = [:]
        var levels: [String] = []
        var codes: [Int32] = []
        codes.reserveCapacity(values.count)
        for v in values {
            guard let v else { codes.append(-1); continue }
            if let c = index[v] { codes.append(c); continue }
            let c = Int32(levels.count)
            index[v] = c
            levels.append(v)
            codes.append(c)
        }
        return DataColumn(name: name, storage: .categorical(codes: codes, levels: levels))
    }

    public var kind: ColumnKind {
        if case .numeric = storage { return .numeric }
        return .categorical
    }

    public var count: Int {
        switch storage {
        case let .numeric(v): return v.count
        case let .categorical(codes, _): return codes.count
        }
    }

    /// The value at `row` (0-based; must be < count).
    public func value(at row: Int) -> RawValue {
        switch storage {
        case let .numeric(v):
            return v[row].isNaN ? .missing : .number(v[row])
        case let .categorical(codes, levels):
            let c = codes[row]
            return c < 0 ? .missing : .text(levels[Int(c)])
        }
    }

    /// The column restricted to `rows` (each must be < count), in that order.
    public func selecting(rows: [Int]) -> DataColumn {
        switch storage {
        case let .numeric(v):
            return .numeric(name, rows.map { v[$0] })
        case let .categorical(codes, levels):
            return DataColumn(name: name, storage: .categorical(codes: rows.map { codes[$0] }, levels: levels))
        }
    }
}
