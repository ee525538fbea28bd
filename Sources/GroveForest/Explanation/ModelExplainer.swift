// Explanations in the caller's terms: SHAP values per input column and reason codes.

/// Explains a model's predictions in terms of its raw input columns.
///
/// Contributions of encoded features are summed (signed) onto the input column they came
/// from, so a categorical column reports one number. Reasons: the columns with positive
/// contributions to the explained output (for a credit classifier, the adverse class),
/// largest first (ties: column order), at most `topK`, with the row's value and the
/// catalog's code and text. Immutable and thread-safe; each thread brings an `ExplainScratch`.
public final class ModelExplainer: Sendable {
    public let forest: ForestExplainer
    public let preprocessing: Preprocessing
    /// The output explained by default: the positive class when the model names one, else
    /// the second of two classes, else output 0 (regression; the first class of a multi-class
    /// model without a positive class).
    public let defaultOutput: Int
    /// Input column of each encoded feature.
    let columnOfFeature: [Int]

    /// The most reasons one explanation returns.
    public static let maxTopK = 64
    /// Reasons returned when the caller does not say (Regulation B's commentary: four).
    public static let defaultTopK = 4

    /// Compiles the forest for explanation (throws `ForestValidationError` or
    /// `ExplanationError`, e.g. for trees without cover).
    public init(preprocessing: Preprocessing, forest: Forest) throws {
        guard preprocessing.featureCount == forest.numFeatures else {
            throw ExplanationError.badBuffer(.rowTooShort(needed: forest.numFeatures, got: preprocessing.featureCount))
        }
        self.forest = try ForestExplainer(forest: forest)
        self.preprocessing = preprocessing
        var map: [Int] = []
        for (i, c) in preprocessing.columns.enumerated() { map += Array(repeating: i, count: c.featureCount) }
        columnOfFeature = map
        if let p = preprocessing.positiveClass {
            defaultOutput = p
        } else {
            defaultOutput = preprocessing.classes.count == 2 && forest.numOutputs == 2 ? 1 : 0
        }
    }

    /// The output for class `label` (nil: `defaultOutput`); throws for an unknown class.
    public func output(forClass label: String?) throws -> Int {
        guard let label, !label.isEmpty else { return defaultOutput }
        guard let i = preprocessing.classes.firstIndex(of: label), i < forest.numOutputs else {
            throw ExplanationError.unknownClass(label)
        }
        return i
    }

    /// Sums encoded-feature contributions onto input columns.
    public func group(_ features: UnsafeBufferPointer<Double>) -> [Double] {
        var columns = [Double](repeating: 0, count: preprocessing.columns.count)
        columns.withUnsafeMutableBufferPointer { group(features, into: $0) }
        return columns
    }

    /// Sums encoded-feature contributions onto input columns, into `columns` (at least one
    /// value per input column; overwritten). Allocates nothing.
    public func group(_ features: UnsafeBufferPointer<Double>, into columns: UnsafeMutableBufferPointer<Double>) {
        precondition(columns.count >= preprocessing.columns.count, "group: fewer slots than input columns")
        columns.update(repeating: 0)
        for j in 0..<min(features.count, columnOfFeature.count) { columns[columnOfFeature[j]] += features[j] }
    }

    /// The allocation-free core of `explain(row:...)` for the served hot path: SHAP values of
    /// one encoded row into `phi` (numFeatures values) and grouped into `columns` (one per
    /// input column), for `output`, which must be in range, as the row's size and `scratch`
    /// must fit (checked). Reasons then come from `topColumns`.
    public func explain(row: UnsafeBufferPointer<Double>, output: Int, scratch: ExplainScratch,
                        phi: UnsafeMutableBufferPointer<Double>, columns: UnsafeMutableBufferPointer<Double>) -> ExplanationTotals {
        let hot = contributions(row: row, output: output, scratch: scratch, phi: phi, columns: columns, leaves: true)
        return forest.totals(leafSum: hot, output: output)
    }

    /// `explain(row:output:scratch:phi:columns:)` without the prediction and base value, for a
    /// caller that has them (inline reasons beside a prediction): the contributions only,
    /// without walking each tree to the row's leaf again.
    /// `meanwhile` runs on this thread while the scratch's helper explains the second half of
    /// the trees (`ForestExplainer`): work of the caller's own that does not touch the row, the
    /// scratch, phi or columns (the prediction's forest walk). The same bits with or without it.
    public func contributions(row: UnsafeBufferPointer<Double>, output: Int, scratch: ExplainScratch,
                              phi: UnsafeMutableBufferPointer<Double>, columns: UnsafeMutableBufferPointer<Double>,
                              meanwhile: () -> Void = {}) {
        _ = contributions(row: row, output: output, scratch: scratch, phi: phi, columns: columns, leaves: false,
                          meanwhile: meanwhile)
    }

    /// The two above: checks, contributions, grouping; the leaf sum when `leaves` (else 0).
    private func contributions(row: UnsafeBufferPointer<Double>, output: Int, scratch: ExplainScratch,
                               phi: UnsafeMutableBufferPointer<Double>, columns: UnsafeMutableBufferPointer<Double>,
                               leaves: Bool, meanwhile: () -> Void = {}) -> Double {
        precondition(row.count >= forest.numFeatures && phi.count >= forest.numFeatures, "explain: row or phi too short")
        precondition(output >= 0 && output < forest.numOutputs, "explain: output out of range")
        precondition(scratch.fits(forest), "ExplainScratch made for a smaller explainer")
        let hot = forest.contributionsUnchecked(row.baseAddress!, output, scratch, phi.baseAddress!, leaves: leaves,
                                                meanwhile: meanwhile)
        group(UnsafeBufferPointer(rebasing: phi[0..<forest.numFeatures]), into: columns)
        return hot
    }

    /// The reasons' columns, in order: the input columns with positive contributions in
    /// `columns`, largest first (ties: column order), at most `topK` (and `maxTopK`), written
    /// into `into`; returns how many. Allocates nothing.
    public func topColumns(_ columns: UnsafeBufferPointer<Double>, topK: Int, into: UnsafeMutableBufferPointer<Int>) -> Int {
        let k = min(max(topK, 0), ModelExplainer.maxTopK, into.count)
        var count = 0
        // Each pick is the best column ordered after the previous pick (selection, no sort buffer).
        var lastValue = Double.infinity, lastColumn = -1
        while count < k {
            var best = -1
            for c in 0..<columns.count {
                let v = columns[c]
                guard v > 0, v < lastValue || (v == lastValue && c > lastColumn) else { continue }
                if best < 0 || v > columns[best] { best = c }
            }
            if best < 0 { break }
            into[count] = best
            count += 1
            (lastValue, lastColumn) = (columns[best], best)
        }
        return count
    }

    /// Explains one encoded row (`row`, numFeatures values). Only the reasons' value texts come
    /// from `values` and `record`: `values` are the row's values as sent, before a missing (NaN)
    /// one was filled in (nil: `row`, which then must hold NaN where a value was missing and not
    /// filled); `record` is the raw record the row was encoded from, if any (it takes precedence).
    public func explain(row: UnsafeBufferPointer<Double>, values: UnsafeBufferPointer<Double>? = nil,
                        record: [RecordField]? = nil, output: Int, topK: Int,
                        catalog: ReasonCatalog = ReasonCatalog(), features: Bool = false,
                        scratch: ExplainScratch) throws -> RowExplanation {
        guard row.count >= forest.numFeatures else {
            throw ExplanationError.badBuffer(.rowTooShort(needed: forest.numFeatures, got: row.count))
        }
        guard output >= 0 && output < forest.numOutputs else {
            throw ExplanationError.outputOutOfRange(output: output, outputs: forest.numOutputs)
        }
        if let values, values.count < forest.numFeatures {
            throw ExplanationError.badBuffer(.rowTooShort(needed: forest.numFeatures, got: values.count))
        }
        precondition(scratch.fits(forest), "ExplainScratch made for a smaller explainer")
        return explainChecked(row: row, values: values ?? row, record: record, output: output, topK: topK, catalog: catalog,
                              features: features, scratch: scratch)
    }

    /// `explain(row:...)` once the row size, output and scratch are known to fit.
    private func explainChecked(row: UnsafeBufferPointer<Double>, values: UnsafeBufferPointer<Double>, record: [RecordField]?,
                                output: Int, topK: Int, catalog: ReasonCatalog, features: Bool,
                                scratch: ExplainScratch) -> RowExplanation {
        var phi = [Double](repeating: 0, count: forest.numFeatures)
        let totals = phi.withUnsafeMutableBufferPointer {
            forest.explainUnchecked(row.baseAddress!, output, scratch, $0.baseAddress!)
        }
        let columns = phi.withUnsafeBufferPointer { group($0) }
        let reasons = self.reasons(columns: columns, row: values, record: record, topK: topK, catalog: catalog)
        return RowExplanation(prediction: totals.prediction, baseValue: totals.baseValue, columns: columns,
                              features: features ? phi : [], reasons: reasons)
    }

    /// Explains every row of `matrix` (encoded rows) on up to `threads` threads (0 = all
    /// cores); `records[i]`, when given, is row i's raw record (for the value texts).
    public func explain(matrix: FeatureMatrix, records: [[RecordField]]? = nil, output: Int, topK: Int,
                        catalog: ReasonCatalog = ReasonCatalog(), features: Bool = false,
                        threads: Int = 0) throws -> [RowExplanation] {
        guard matrix.featureCount == forest.numFeatures else {
            throw ExplanationError.badBuffer(.rowTooShort(needed: forest.numFeatures, got: matrix.featureCount))
        }
        guard output >= 0 && output < forest.numOutputs else {
            throw ExplanationError.outputOutOfRange(output: output, outputs: forest.numOutputs)
        }
        let n = matrix.rowCount, f = matrix.featureCount
        if let records, records.count != n {
            throw ExplanationError.badBuffer(.badRowCount(rows: records.count, values: matrix.values.count, featureCount: f))
        }
        let chunk = 64
        let chunks = (n + chunk - 1) / chunk
        let workers = max(1, min(Parallel.resolve(threads), chunks))
        let scratches = (0..<workers).map { _ in ExplainScratch(for: forest) }
        let results = UnsafeMutableBufferPointer<RowExplanation>.allocate(capacity: max(n, 1))
        defer { results.deallocate() }
        matrix.values.withUnsafeBufferPointer { all in
            Parallel.forEachWorker(count: chunks, threads: workers) { w, item in
                for r in (item * chunk)..<min(n, (item + 1) * chunk) {
                    let row = UnsafeBufferPointer(rebasing: all[(r * f)..<((r + 1) * f)])
                    let e = self.explainChecked(row: row, values: row, record: records?[r], output: output, topK: topK,
                                                catalog: catalog, features: features, scratch: scratches[w])
                    (results.baseAddress! + r).initialize(to: e)
                }
            }
        }
        let out = Array(results.prefix(n))
        results.baseAddress!.deinitialize(count: n)
        return out
    }

    /// The reasons for per-column contributions `columns`: positive ones, largest first; their
    /// value texts from `row` and `record` as `valueText` takes them.
    public func reasons(columns: [Double], row: UnsafeBufferPointer<Double>, record: [RecordField]?, topK: Int,
                        catalog: ReasonCatalog) -> [Reason] {
        var order = [Int](repeating: 0, count: min(max(topK, 0), ModelExplainer.maxTopK))
        let n = columns.withUnsafeBufferPointer { c in order.withUnsafeMutableBufferPointer { topColumns(c, topK: topK, into: $0) } }
        return order.prefix(n).map { c in
            let column = preprocessing.columns[c]
            let entry = catalog.entry(for: column.name)
            return Reason(column: column.name, contribution: columns[c], value: valueText(column: c, row: row, record: record),
                          code: entry.code, text: entry.text)
        }
    }

    /// The row's value of input column `c` as text (see `Reason.value`): from `record` when
    /// given, else from `row`, the encoded values as sent (NaN: missing, before any filling).
    /// A missing value reads `missingText(column: c)`.
    public func valueText(column c: Int, row: UnsafeBufferPointer<Double>, record: [RecordField]?) -> String {
        let column = preprocessing.columns[c]
        let first = preprocessing.firstFeature(ofColumn: c)
        // Built only when needed: the text is interpolated.
        var missing: String { missingText(column: c) }
        if let record {
            guard let field = record.first(where: { $0.name == column.name }) else { return missing }
            switch field.value {
            case let .number(v): return v.isNaN ? missing : Preprocessing.labelText(v)
            case let .text(s): return Preprocessing.recordMissingMarkers.contains(s) ? missing : s
            case .missing: return missing
            }
        }
        if column.kind == .numeric {
            let v = row[first]
            return v.isNaN ? missing : Preprocessing.labelText(v)
        }
        for k in 0..<column.categories.count where row[first + k] == 1 { return column.categories[k] }
        return missing
    }

    /// What a missing value of input column `c` reads: "missing (filled with M)" for a numeric
    /// column whose fill value M (the training mean) replaced it; "missing" otherwise (a
    /// categorical column, whose indicators are all 0, or a fill value of NaN, as imported
    /// models have: nothing is filled, the value takes each node's default direction).
    public func missingText(column c: Int) -> String { Self.missingText(preprocessing.columns[c]) }

    /// `missingText(column:)` of `column`.
    public static func missingText(_ column: InputColumn) -> String {
        guard column.kind == .numeric, !column.fillValue.isNaN else { return "missing" }
        return "missing (filled with \(Preprocessing.labelText(column.fillValue)))"
    }
}
