// ReasonTexts: the served hot paths' reason texts equal the ordinary path's (ModelExplainer).

import Testing
@testable import GroveForest

@Suite struct ReasonTextsTests {
    /// Every column's name, code, text and value text, for rows of integral, negative, signed
    /// zero, fractional, huge and missing numbers and of one-hot, empty and non-0/1 categories,
    /// are the bytes of the Strings `ModelExplainer` gives (cut at a NUL, as on the wire).
    @Test func textsEqualTheOrdinaryPath() throws {
        let model = try ModelExplainerTests.model(maxDepth: 3)
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let prep = model.preprocessing
        #expect(prep.columns.map(\.name) == ["age", "amount", "housing", "job"])
        let catalog = try ReasonCatalog(csv: "column,code,text\nage,A1,\"Too young, or old\"\nhousing,H\u{0}2,\"Rent\u{0}ed\"\n")
        let texts = ReasonTexts(preprocessing: prep, catalog: catalog)
        func cut(_ s: String) -> [UInt8] { Array(s.utf8.prefix { $0 != 0 }) }
        for (c, column) in prep.columns.enumerated() {
            let entry = catalog.entry(for: column.name)
            #expect(Array(texts.name(c)) == cut(column.name))
            #expect(Array(texts.code(c)) == cut(entry.code))
            #expect(Array(texts.text(c)) == cut(entry.text))
        }
        #expect(Array(texts.code(2)) == Array("H".utf8) && Array(texts.text(0)) == Array("Too young, or old".utf8))
        let numbers: [Double] = [24, -3, -0.0, 0, 0.5, -2.75, 999_999_999_999_999, 1e15, -1e15, 123.25, 1e-7, .nan, 6_000]
        let housing = prep.firstFeature(ofColumn: 2), categories = prep.columns[2].categories.count
        var rows: [[Double]] = []
        for (i, x) in numbers.enumerated() {
            var row = [Double](repeating: 0, count: prep.featureCount)
            row[0] = x
            row[1] = numbers[(i + 5) % numbers.count]
            // one category set, none set, and a value that is not 1
            if i % 3 == 0 { row[housing + i % categories] = 1 }
            if i % 3 == 2 { row[housing] = 0.5 }
            row[prep.firstFeature(ofColumn: 3) + i % 2] = 1
            rows.append(row)
        }
        var checked = 0
        for row in rows {
            row.withUnsafeBufferPointer { r in
                for c in prep.columns.indices {
                    let expected = Array(explainer.valueText(column: c, row: r, record: nil).utf8)
                    let got = texts.withValue(c, row: r) { Array($0) }
                    #expect(got == expected, "column \(c), row \(Array(r))")
                    checked += 1
                }
            }
        }
        #expect(checked == numbers.count * 4)
    }

    /// A catalog's generation tells catalogs apart (0 for every empty one) and is not part of
    /// equality.
    @Test func catalogsHaveGenerations() throws {
        let file = "column,code,text\nage,A1,Young\n"
        let a = try ReasonCatalog(csv: file), b = try ReasonCatalog(csv: file)
        #expect(a == b && a.generation != b.generation && a.generation != 0)
        #expect(ReasonCatalog().generation == 0 && ReasonCatalog(entries: [:]).generation == 0)
        #expect(try ReasonCatalog(csv: "column,code,text\n").generation == 0)
    }
}
