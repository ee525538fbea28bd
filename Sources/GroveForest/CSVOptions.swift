// Options controlling how CSV text is split and typed.

/// How `CSVReader` interprets its input.
public struct CSVOptions: Sendable {
    /// Field separator (one ASCII byte); default ','.
    public var delimiter: UInt8
    /// Cell texts read as missing (compared after unquoting); default "", "NA", "?".
    public var missingMarkers: [String]
    /// Column kinds forced by name; other columns are inferred (numeric if every
    /// non-missing value parses as a finite Double, else categorical).
    public var kinds: [String: ColumnKind]

    public init(delimiter: UInt8 = UInt8(ascii: ","),
                missingMarkers: [String] = ["", "NA", "?"],
                kinds: [String: ColumnKind] = [:]) {
        self.delimiter = delimiter
        self.missingMarkers = missingMarkers
        self.kinds = kinds
    }
}
