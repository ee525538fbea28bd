// ExplainRowBuffer: an Explain answer's rows, held in loop-owned C memory (no allocation per request).

import CGroveProto
import CProtobufC

/// The rows of an `ExplainResponse` (prediction, base value, contributions per input column
/// and per encoded feature, reasons), built into buffers that grow to the largest answer seen
/// and are reused after it. One per loop; not thread-safe.
///
/// Use: `start(...)`; per row, write `contributions(r)` and `features(r)`, call `setRow`, and
/// add its reasons to `reasons` (`beginRow()`, `append(...)`); `ExplainResponseWriter` packs it.
public final class ExplainRowBuffer {
    private var rows = UnsafeMutableBufferPointer<Grove__V1__ExplainRow>(start: nil, count: 0)
    private var rowPointers = UnsafeMutableBufferPointer<UnsafeMutablePointer<Grove__V1__ExplainRow>?>(start: nil, count: 0)
    private var columnValues = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private var featureValues = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private var rowCount = 0, columnCount = 0, featureCount = 0
    private var sendsColumns = false, sendsFeatures = false
    /// Each row's reasons (row r's list is the r-th begun).
    public let reasons = ReasonListBuffer()

    public init() {}

    deinit { rows.deallocate(); rowPointers.deallocate(); columnValues.deallocate(); featureValues.deallocate() }

    /// Empties the buffer and makes room for `rows` rows of `columns` column and `features`
    /// feature contributions and at most `reasonsPerRow` reasons; `sendColumns` and
    /// `sendFeatures` say which contributions the answer carries.
    public func start(rows count: Int, columns: Int, features: Int, reasonsPerRow: Int, sendColumns: Bool, sendFeatures: Bool) {
        if rows.count < count {
            rows.deallocate(); rowPointers.deallocate()
            rows = .allocate(capacity: Self.grown(count))
            rowPointers = .allocate(capacity: Self.grown(count))
        }
        if columnValues.count < count * columns { columnValues.deallocate(); columnValues = .allocate(capacity: Self.grown(count * columns)) }
        if featureValues.count < count * features { featureValues.deallocate(); featureValues = .allocate(capacity: Self.grown(count * features)) }
        (rowCount, columnCount, featureCount, sendsColumns, sendsFeatures) = (count, columns, features, sendColumns, sendFeatures)
        reasons.start(rows: count, reasonsPerRow: reasonsPerRow)
    }

    /// Row `r`'s contributions per input column (write them here).
    public func contributions(_ r: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(rebasing: columnValues[(r * columnCount)..<((r + 1) * columnCount)])
    }

    /// Row `r`'s contributions per encoded feature (write them here).
    public func features(_ r: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(rebasing: featureValues[(r * featureCount)..<((r + 1) * featureCount)])
    }

    /// Row `r`'s prediction and base value.
    public func setRow(_ r: Int, prediction: Double, baseValue: Double) {
        precondition(r < rowCount, "ExplainRowBuffer: row out of range")
        grove__v1__explain_row__init(rows.baseAddress! + r)
        rows[r].prediction = prediction
        rows[r].base_value = baseValue
    }

    /// Points `explain`'s rows (and their reasons) into this buffer (valid until the next `start`).
    func fill(_ explain: inout Grove__V1__ExplainResponse) {
        reasons.resolve()
        for r in 0..<rowCount {
            if sendsColumns { (rows[r].n_contributions, rows[r].contributions) = (columnCount, contributions(r).baseAddress) }
            if sendsFeatures { (rows[r].n_feature_contributions, rows[r].feature_contributions) = (featureCount, features(r).baseAddress) }
            (rows[r].n_reasons, rows[r].reasons) = reasons.list(r)
            rowPointers[r] = rows.baseAddress! + r
        }
        explain.n_rows = rowCount
        explain.rows = rowPointers.baseAddress
        if let c = reasons.explainedClassText { explain.explained_class = c }
    }

    private static func grown(_ n: Int) -> Int { max(16, n + n / 2) }
}

@available(*, unavailable)
extension ExplainRowBuffer: Sendable {}
