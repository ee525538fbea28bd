// CSVPlainNumberTests: numbers parsed in the pass that finds the field's end give the table (bit
// for bit) and the errors that reading every field first and parsing it after gives.

import Testing
@testable import GroveForest

@Suite struct CSVPlainNumberTests {
    /// A missing marker that reads as a number turns the one-pass path off (a number could
    /// then mean missing): the same text with it added, never present in the text, is read the
    /// two-pass way.
    static let numberMarker = "-987654321.5"

    /// Every column as text that tells bit patterns apart (NaN, -0), or the error.
    static func read(_ text: String, markers: [String], delimiter: UInt8, chunks: Int) -> String {
        let options = CSVOptions(delimiter: delimiter, missingMarkers: markers)
        do {
            let table = try Array(text.utf8).withUnsafeBufferPointer {
                try CSVReader.parse(buffer: $0, options: options, chunks: chunks, minChunkBytes: 1)
            }
            return table.columns.map { c -> String in
                switch c.storage {
                case let .numeric(v): return "\(c.name) numeric \(v.map { String($0.bitPattern, radix: 16) })"
                case let .categorical(codes, levels): return "\(c.name) categorical \(codes) \(levels)"
                }
            }.joined(separator: "\n") + "\nrows \(table.rowCount)"
        } catch {
            return "error \(error)"
        }
    }

    /// Fields that are plain numbers, numbers the one pass hands back (spaces, exponents,
    /// too many digits, quotes) and no numbers at all, in columns that stay numeric and
    /// columns that turn categorical, with every line ending and delimiter.
    @Test(arguments: [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: " ")])
    func oneAndTwoPassesReadTheSameTable(delimiter: UInt8) {
        let numbers = ["0", "-0", "+0", "1", "-1", "+2", "3.25", ".5", "5.", "-.5", "0.000123", "000123.4500",
                       "1e3", "1E-3", "-12.5e+2", "1e-400", "2.2250738585072014e-308", "1.7976931348623157e308",
                       "123456789012345678901234", "9007199254740993", "0.30000000000000004",
                       "0.1234567890123456789012345", "\"7.5\"", "\"-0\"", "", "NA", "?"]
        let others = ["-", ".", "e5", "1e", "1e+", "0x10", "nan", "inf", "12a", "1.2.3", "--1", "1-", "1e5x",
                      "\"a\"\"b\"", "1e400", " 4", "4 ", "+", "5..", "1\u{FF}"]
        let d = String(UnicodeScalar(delimiter))
        var rng = RandomGenerator(seed: 3)
        var texts: [String] = []
        for otherRate in [0.0, 0.02] {
            for ending in ["\n", "\r\n", "\r"] {
                var lines = ["a\(d)b\(d)c"]
                for r in 0..<300 {
                    var fields: [String] = []
                    for c in 0..<3 {
                        let pool = c == 2 && rng.unit() < otherRate ? others : numbers
                        var f = pool[Int(rng.unit() * Double(pool.count))]
                        if delimiter == UInt8(ascii: " ") { f = f.trimmingSpaces() }
                        if c == 0 { f = String(r) + (r % 7 == 0 ? ".5" : "") }
                        fields.append(f)
                    }
                    lines.append(fields.joined(separator: d))
                }
                texts.append(lines.joined(separator: ending) + (otherRate > 0 ? "" : ending))
            }
        }
        // Errors: a character after a quote, too few and too many fields.
        texts.append("a\(d)b\n1\(d)2\n3\(d)\"4\"x\n")
        texts.append("a\(d)b\n1\(d)2\n3\n")
        texts.append("a\(d)b\n1\(d)2\n3\(d)4\(d)5\n")
        var compared = 0
        for text in texts {
            for chunks in [1, 3] {
                let one = Self.read(text, markers: ["", "NA", "?"], delimiter: delimiter, chunks: chunks)
                let two = Self.read(text, markers: ["", "NA", "?", Self.numberMarker], delimiter: delimiter, chunks: chunks)
                #expect(one == two, "chunks \(chunks), text starting \(text.prefix(80))")
                compared += 1
            }
        }
        #expect(compared == 2 * texts.count)
    }

    @Test func aNumberMarkerOrANumberDelimiterTurnsTheOnePassOff() {
        #expect(MissingMarkers(["", "NA", Self.numberMarker]).anyNumber)
        #expect(MissingMarkers([" 1 "]).anyNumber)
        #expect(!MissingMarkers(["", "NA", "?", "-", "n/a"]).anyNumber)
        for byte in Array("0123456789+-.eE".utf8) { #expect(!CSVTokenizer.delimiterEndsNumbers(byte)) }
        for byte in Array(",;\t |".utf8) { #expect(CSVTokenizer.delimiterEndsNumbers(byte)) }
    }

    /// A number marker read as missing (the two-pass way) where the one pass would read a number.
    @Test func aNumberMarkerStillReadsAsMissing() throws {
        let text = "a,b\n1,-99\n2,3\n"
        let table = try CSVReader.parse(text: text, options: CSVOptions(missingMarkers: ["", "-99"]))
        guard case let .numeric(v) = table.columns[1].storage else {
            Issue.record("column b is not numeric")
            return
        }
        #expect(v.count == 2 && v[0].isNaN && v[1] == 3)
    }
}

private extension String {
    func trimmingSpaces() -> String { String(filter { $0 != " " }) }
}
