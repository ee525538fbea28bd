// Errors from learning or applying preprocessing.

/// Why preprocessing could not be learned or applied.
public enum PreprocessingError: Error, Equatable, Sendable, CustomStringConvertible {
    case noTargetColumn(String)
    case noFeatureColumns
    case noRows
    case missingTarget(row: Int)
    case nonNumericTarget(column: String)
    case unknownClass(label: String, row: Int)
    case unknownPositiveClass(label: String, classes: [String])
    case positiveClassForRegression
    case tooFewClasses(found: Int)
    case tooManyClasses(found: Int, limit: Int)
    case unknownColumn(String)
    case duplicateField(String)
    case notNumeric(column: String, value: String)
    /// A number sent for a categorical column that has no category spelled as that number.
    case notCategorical(column: String, value: Double, categories: [String])
    case bufferTooSmall(needed: Int, got: Int)
    case inconsistentSchema(String)
    /// Two encoded features learned by `fit` would share a name (`first` and `second` say
    /// which column, and category, each comes from).
    case duplicateFeatureName(name: String, first: String, second: String)
    /// A row index given to `fit`, `encode` or `encodeTargets` that is not a row of the table.
    case rowOutOfRange(row: Int, rowCount: Int)

    public var description: String {
        switch self {
        case let .noTargetColumn(t): return "the data has no target column \"\(t)\""
        case .noFeatureColumns: return "the data has no feature columns besides the target"
        case .noRows: return "the data has no rows"
        case let .missingTarget(row): return "data row \(row + 1) has no target value"
        case let .nonNumericTarget(c): return "regression target column \"\(c)\" is not numeric"
        case let .unknownClass(label, row): return "data row \(row + 1): class \"\(label)\" was not seen at training"
        case let .unknownPositiveClass(label, classes):
            return "positive class \"\(label)\" is not one of the classes \(classes)"
        case .positiveClassForRegression: return "a positive class makes no sense for regression"
        case let .tooFewClasses(n): return "classification needs at least 2 classes, found \(n)"
        case let .tooManyClasses(n, limit): return "found \(n) classes, more than the limit \(limit)"
        case let .unknownColumn(c): return "unknown column \"\(c)\""
        case let .duplicateField(c): return "column \"\(c)\" is given twice"
        case let .notNumeric(c, v): return "column \"\(c)\" is numeric but got the text \"\(v)\""
        case let .notCategorical(c, v, cats):
            let shown = cats.prefix(8).map { "\"\($0)\"" }.joined(separator: ", ") + (cats.count > 8 ? ", ..." : "")
            return "column \"\(c)\" is categorical (\(shown)) but got the number \(Preprocessing.labelText(v))"
        case let .bufferTooSmall(n, g): return "output buffer holds \(g) values, \(n) needed"
        case let .inconsistentSchema(why): return "inconsistent preprocessing: \(why)"
        case let .duplicateFeatureName(name, first, second):
            return "the encoded feature name \"\(name)\" comes from both \(first) and \(second) (categories are named column_category); rename a column or a category"
        case let .rowOutOfRange(row, count): return "row index \(row) is not a row of the table (it has \(count) rows)"
        }
    }
}
