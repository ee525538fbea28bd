// Tests of the CSV reader: RFC 4180 quoting, line endings, errors, kind inference.

import Testing
@testable import GroveForest

@Suite struct CSVReaderTests {
    @Test func quotedFieldsCRLFAndEmbeddedNewlines() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",3\r\n\"multi\nline\",z,4\r\n"
        let t = try CSVReader.parse(text: text)
        #expect(t.rowCount == 2)
        #expect(t.columnNames == ["a", "b", "c"])
        #expect(t.columns[0].value(at: 0) == .text("x, y"))
        #expect(t.columns[0].value(at: 1) == .text("multi\nline"))
        #expect(t.columns[1].value(at: 0) == .text("say \"hi\""))
        #expect(t.columns[2].storage == .numeric([3, 4]))
    }

    @Test func bomMissingMarkersAndNoTrailingNewline() throws {
        let t = try CSVReader.parse(text: "\u{FEFF}a,b\n1,NA\n?,x\n,\"\"\n2.5e1,y")
        #expect(t.columnNames == ["a", "b"])
        guard case let .numeric(a) = t.columns[0].storage else { Issue.record("a not numeric"); return }
        #expect(a[0] == 1 && a[1].isNaN && a[2].isNaN && a[3] == 25)
        #expect(t.columns[1].kind == .categorical)
        #expect(t.columns[1].value(at: 0) == .missing)
        #expect(t.columns[1].value(at: 2) == .missing)
        #expect(t.columns[1].value(at: 3) == .text("y"))
    }

    @Test func customMissingMarkersAndDelimiter() throws {
        let opts = CSVOptions(delimiter: UInt8(ascii: ";"), missingMarkers: ["-"])
        let t = try CSVReader.parse(text: "a;b\n-;NA\n", options: opts)
        #expect(t.columns[0].value(at: 0) == .missing)
        #expect(t.columns[1].value(at: 0) == .text("NA"))
    }

    @Test func wrongFieldCountNamesLineAndColumn() {
        #expect(throws: CSVError.wrongFieldCount(line: 3, column: 3, expected: 2, found: 3)) {
            try CSVReader.parse(text: "a,b\n1,2\n3,4,5\n")
        }
        #expect(throws: CSVError.wrongFieldCount(line: 2, column: 2, expected: 2, found: 1)) {
            try CSVReader.parse(text: "a,b\n1\n")
        }
        // A quoted newline in row 1 moves row 2 to physical line 4.
        #expect(throws: CSVError.wrongFieldCount(line: 4, column: 2, expected: 2, found: 1)) {
            try CSVReader.parse(text: "a,b\n\"x\ny\",1\n2\n")
        }
    }

    @Test func quoteErrors() {
        #expect(throws: CSVError.unterminatedQuote(line: 2, column: 2)) {
            try CSVReader.parse(text: "a,b\n1,\"abc\n")
        }
        #expect(throws: CSVError.characterAfterQuote(line: 2, column: 1)) {
            try CSVReader.parse(text: "a,b\n\"x\"y,1\n")
        }
        #expect(throws: CSVError.noHeader) { try CSVReader.parse(text: "") }
        #expect(throws: CSVError.duplicateColumn(name: "a", column: 2)) { try CSVReader.parse(text: "a,a\n1,2\n") }
    }

    @Test func kindInferenceAndOverrides() throws {
        // "x" appears after numbers: the column becomes categorical and keeps the early texts.
        let t = try CSVReader.parse(text: "n,m,c\n1,1.0,a\n2,,b\n3,x,\n")
        #expect(t.columns[0].kind == .numeric)
        #expect(t.columns[1].kind == .categorical)
        #expect(t.columns[1].value(at: 0) == .text("1.0"))
        #expect(t.columns[1].value(at: 1) == .missing)
        #expect(t.columns[1].value(at: 2) == .text("x"))
        #expect(t.columns[2].value(at: 2) == .missing)

        let forced = try CSVReader.parse(text: "n,c\n1,2\n", options: CSVOptions(kinds: ["n": .categorical]))
        #expect(forced.columns[0].value(at: 0) == .text("1"))
        #expect(forced.columns[1].kind == .numeric)

        #expect(throws: CSVError.notNumeric(line: 3, column: 2, name: "c", value: "oops")) {
            try CSVReader.parse(text: "n,c\n1,2\n3,oops\n", options: CSVOptions(kinds: ["c": .numeric]))
        }
        #expect(throws: CSVError.unknownColumn(name: "zz")) {
            try CSVReader.parse(text: "n\n1\n", options: CSVOptions(kinds: ["zz": .numeric]))
        }
        // Non-finite spellings are not numbers.
        #expect(try CSVReader.parse(text: "v\n1\ninf\n").columns[0].kind == .categorical)
    }

    @Test func numberParserMatchesStandardLibrary() {
        let samples = ["0", "-0", "1", "+2", "3.25", ".5", "5.", "1e3", "1E-3", "123456789012345678901234",
                       "0.1", "2.2250738585072014e-308", "1.7976931348623157e308", "  42  ", "9007199254740993",
                       "0.30000000000000004", "-12.5e+2", "1e-400"]
        for s in samples {
            let expected = Double(s.trimmingCharacters(in: .whitespaces))
            #expect(NumberParser.parse(s) == expected, "\(s)")
        }
        for bad in ["", "-", ".", "e5", "1e", "0x10", "nan", "inf", "1,5", "1e400", "12a"] {
            #expect(NumberParser.parse(bad) == nil, "\(bad)")
        }
    }
}
