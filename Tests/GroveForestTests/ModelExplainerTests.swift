// ModelExplainer: trained forests with categorical and missing inputs, grouping, reasons, catalogs.

import Foundation
import Testing
@testable import GroveForest

@Suite struct ModelExplainerTests {
    /// A small credit-like table: two numeric columns (with missing values) and two
    /// categorical ones (with missing values); 7 encoded features.
    static func table(rows: Int = 300) throws -> DataTable {
        var rng = RandomGenerator(seed: 17)
        var age: [Double] = [], amount: [Double] = [], housing: [String?] = [], job: [String?] = [], label: [String?] = []
        for _ in 0..<rows {
            let a = Double(18 + rng.below(50)), m = Double(500 + rng.below(10_000))
            let h = ["own", "rent", "free"][rng.below(3)], j = ["skilled", "unskilled"][rng.below(2)]
            let risk = (a < 30 ? 1.0 : 0) + (m > 6000 ? 1 : 0) + (h == "rent" ? 1 : 0) + rng.unit()
            age.append(rng.unit() < 0.1 ? .nan : a)
            amount.append(rng.unit() < 0.1 ? .nan : m)
            housing.append(rng.unit() < 0.1 ? nil : h)
            job.append(rng.unit() < 0.1 ? nil : j)
            label.append(risk > 1.5 ? "bad" : "good")
        }
        return try DataTable(columns: [.numeric("age", age), .numeric("amount", amount), .categorical("housing", housing),
                                       .categorical("job", job), .categorical("label", label)])
    }

    static func model(maxDepth: Int, trees: Int = 4) throws -> TrainedModel {
        var p = TestSupport.smallParameters(task: .classification, trees: trees)
        p.maxDepth = maxDepth
        p.testFraction = 0
        return try ModelTrainer.train(table: try table(), target: "label", task: .classification, positive: "bad",
                                      parameters: p, name: "toy", createdUnixMicros: 1)
    }

    /// Trained forests of several depths on categorical and missing inputs: every encoded
    /// contribution equals the subset enumeration, and columns are their features' sums.
    @Test(arguments: [2, 4, 7, 0])
    func trainedForestsEqualBruteForce(maxDepth: Int) throws {
        let model = try ModelExplainerTests.model(maxDepth: maxDepth)
        let prep = model.preprocessing
        #expect(prep.featureCount == 7)
        let explainer = try ModelExplainer(preprocessing: prep, forest: model.forest)
        #expect(explainer.defaultOutput == prep.positiveClass)
        let oracle = BruteForceShapley(forest: model.forest)
        let scratch = ExplainScratch(for: explainer.forest)
        let records: [[RecordField]] = [
            [RecordField(name: "age", value: .number(22)), RecordField(name: "housing", value: .text("rent"))],
            [RecordField(name: "amount", value: .number(9000)), RecordField(name: "job", value: .text("unskilled")),
             RecordField(name: "housing", value: .text("castle"))],
            [],
            [RecordField(name: "age", value: .number(60)), RecordField(name: "amount", value: .number(800)),
             RecordField(name: "housing", value: .text("own")), RecordField(name: "job", value: .text("skilled"))],
        ]
        for record in records {
            let row = try prep.encode(record: record)
            let e = try row.withUnsafeBufferPointer {
                try explainer.explain(row: $0, record: record, output: explainer.defaultOutput, topK: 10, features: true, scratch: scratch)
            }
            let (expected, base) = oracle.shapley(row: row, output: explainer.defaultOutput)
            for j in 0..<7 { #expect(abs(e.features[j] - expected[j]) < 1e-12) }
            #expect(abs(e.baseValue - base) < 1e-12)
            // age, amount: one feature each; housing: features 2-4; job: 5-6 (signed sums).
            #expect(e.columns.count == 4)
            #expect(abs(e.columns[2] - (expected[2] + expected[3] + expected[4])) < 1e-12)
            #expect(abs(e.columns[3] - (expected[5] + expected[6])) < 1e-12)
            #expect(abs(e.baseValue + e.columns.reduce(0, +) - e.prediction) < 1e-12)
        }
    }

    @Test func reasonsArePositiveLargestFirstAndCut() throws {
        let model = try ModelExplainerTests.model(maxDepth: 0, trees: 20)
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let record = [RecordField(name: "age", value: .number(21)), RecordField(name: "amount", value: .number(9500)),
                      RecordField(name: "housing", value: .text("rent"))]
        let row = try model.preprocessing.encode(record: record)
        let scratch = ExplainScratch(for: explainer.forest)
        let catalog = try ReasonCatalog(csv: "column,code,text\nage,R01,\"Applicant is young, per policy\"\namount,R02,Amount requested is high\n")
        let all = try row.withUnsafeBufferPointer {
            try explainer.explain(row: $0, record: record, output: explainer.defaultOutput, topK: 64, catalog: catalog, scratch: scratch)
        }
        let positive = all.columns.filter { $0 > 0 }.count
        #expect(all.reasons.count == positive)
        #expect(positive >= 2)
        #expect(zip(all.reasons, all.reasons.dropFirst()).allSatisfy { $0.contribution >= $1.contribution })
        #expect(all.reasons.allSatisfy { $0.contribution > 0 })
        let two = try row.withUnsafeBufferPointer {
            try explainer.explain(row: $0, record: record, output: explainer.defaultOutput, topK: 2, catalog: catalog, scratch: scratch)
        }
        #expect(two.reasons == Array(all.reasons.prefix(2)))
        let age = try #require(all.reasons.first { $0.column == "age" })
        #expect(age.code == "R01" && age.text == "Applicant is young, per policy" && age.value == "21")
        if let job = all.reasons.first(where: { $0.column == "job" }) {
            // No entry in the catalog: the column name is the text; absent from the record.
            #expect(job.code == "" && job.text == "job" && job.value == "missing")
        }
        // The other class's contributions are the exact negatives (probabilities sum to 1).
        let other = try row.withUnsafeBufferPointer {
            try explainer.explain(row: $0, output: 1 - explainer.defaultOutput, topK: 4, scratch: scratch)
        }
        for c in 0..<4 { #expect(abs(other.columns[c] + all.columns[c]) < 1e-12) }
    }

    @Test func valueTextsForDenseAndRecordRows() throws {
        let model = try ModelExplainerTests.model(maxDepth: 3)
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let record = [RecordField(name: "housing", value: .text("own")), RecordField(name: "amount", value: .text("NA"))]
        let row = try model.preprocessing.encode(record: record)
        row.withUnsafeBufferPointer { r in
            let fill = Preprocessing.labelText(model.preprocessing.columns[0].fillValue)
            #expect(explainer.valueText(column: 0, row: r, record: record) == "missing (filled with \(fill))")
            #expect(explainer.valueText(column: 1, row: r, record: record).hasPrefix("missing (filled with "))
            #expect(explainer.valueText(column: 2, row: r, record: record) == "own")
            #expect(explainer.valueText(column: 3, row: r, record: record) == "missing")
            #expect(explainer.valueText(column: 2, row: r, record: nil) == "own")
            #expect(explainer.valueText(column: 3, row: r, record: nil) == "missing")
            // A dense row reads as sent: the filled row shows the number it holds, the row
            // before filling (NaN) shows what was filled in.
            #expect(explainer.valueText(column: 0, row: r, record: nil) == fill)
            var sent = Array(r)
            sent[0] = .nan
            #expect(sent.withUnsafeBufferPointer { explainer.valueText(column: 0, row: $0, record: nil) } == "missing (filled with \(fill))")
        }
        #expect(try explainer.output(forClass: "good") == model.preprocessing.classes.firstIndex(of: "good"))
        #expect(throws: ExplanationError.unknownClass("ugly")) { try explainer.output(forClass: "ugly") }
    }

    /// Explaining a filled dense row with the values as sent: the numbers explained are the
    /// filled row's, the reasons' value texts say what was missing and what it was filled with.
    @Test func reasonsOfADenseRowReadTheValuesAsSent() throws {
        let model = try ModelExplainerTests.model(maxDepth: 0, trees: 20)
        let prep = model.preprocessing
        let explainer = try ModelExplainer(preprocessing: prep, forest: model.forest)
        let scratch = ExplainScratch(for: explainer.forest)
        let record = [RecordField(name: "age", value: .number(21)), RecordField(name: "amount", value: .number(9500)),
                      RecordField(name: "housing", value: .text("rent")), RecordField(name: "job", value: .text("skilled"))]
        for missing in 0..<2 {
            var sent = try prep.encode(record: record)
            sent[missing] = .nan
            var filled = sent
            filled[missing] = prep.columns[missing].fillValue
            // The class towards which the filled value pushes, so that its column is a reason.
            var output = explainer.defaultOutput
            func explain(values: [Double]?) throws -> RowExplanation {
                try filled.withUnsafeBufferPointer { row in
                    try (values ?? filled).withUnsafeBufferPointer { v in
                        try explainer.explain(row: row, values: values == nil ? nil : v, output: output, topK: 64, scratch: scratch)
                    }
                }
            }
            if try explain(values: nil).columns[missing] < 0 { output = 1 - output }
            let plain = try explain(values: nil), asSent = try explain(values: sent)
            #expect(asSent.columns == plain.columns && asSent.prediction == plain.prediction)
            #expect(asSent.reasons.map(\.column) == plain.reasons.map(\.column))
            let fill = Preprocessing.labelText(prep.columns[missing].fillValue)
            let name = prep.columns[missing].name
            let reason = try #require(asSent.reasons.first { $0.column == name }, "\(name) is no reason: \(asSent.reasons)")
            #expect(reason.value == "missing (filled with \(fill))")
            #expect(plain.reasons.first { $0.column == name }?.value == fill)
            #expect(asSent.reasons.filter { $0.column != name }.map(\.value) == plain.reasons.filter { $0.column != name }.map(\.value))
        }
        #expect(throws: ExplanationError.self) {
            try [Double](repeating: 0, count: prep.featureCount).withUnsafeBufferPointer { row in
                try explainer.explain(row: row, values: UnsafeBufferPointer(rebasing: row[1...]), output: 0, topK: 4, scratch: scratch)
            }
        }
    }

    /// A numeric column whose fill value is NaN (an imported model's) fills nothing: its
    /// missing value reads "missing", from a record and from a dense row alike.
    @Test func aNaNFillValueReadsMissing() throws {
        let model = try ModelExplainerTests.model(maxDepth: 3)
        let trained = model.preprocessing
        let prep = try Preprocessing(target: trained.target,
                                     columns: trained.columns.map { var c = $0; c.fillValue = c.kind == .numeric ? .nan : 0; return c },
                                     featureNames: trained.featureNames, classes: trained.classes, positiveClass: trained.positiveClass)
        let explainer = try ModelExplainer(preprocessing: prep, forest: model.forest)
        let record = [RecordField(name: "age", value: .number(.nan)), RecordField(name: "housing", value: .text("own"))]
        let row = try prep.encode(record: record)
        #expect(row[0].isNaN && row[1].isNaN)
        row.withUnsafeBufferPointer { r in
            for c in 0..<2 {
                #expect(explainer.valueText(column: c, row: r, record: record) == "missing")
                #expect(explainer.valueText(column: c, row: r, record: nil) == "missing")
                #expect(explainer.missingText(column: c) == "missing")
            }
        }
        let texts = ReasonTexts(preprocessing: prep, catalog: ReasonCatalog())
        withExtendedLifetime(texts) { #expect(Array(texts.missing(0)) == Array("missing".utf8)) }
    }

    @Test func reasonCatalogParsing() throws {
        let c = try ReasonCatalog(csv: "column,code,text\r\nage,A1,Age\nhousing,,\"Housing, \"\"rented\"\"\"\n")
        #expect(c.entry(for: "age") == ReasonCatalog.Entry(code: "A1", text: "Age"))
        #expect(c.entry(for: "housing") == ReasonCatalog.Entry(code: "", text: "Housing, \"rented\""))
        #expect(c.entry(for: "job") == ReasonCatalog.Entry(code: "", text: "job"))
        #expect(throws: ReasonCatalogError.duplicateColumn(line: 3, column: "age")) {
            try ReasonCatalog(csv: "column,code,text\nage,A,a\nage,B,b\n")
        }
        #expect(throws: ReasonCatalogError.self) { try ReasonCatalog(csv: "col,code,text\nage,A,a\n") }
        #expect(throws: ReasonCatalogError.self) { try ReasonCatalog(csv: "column,code,text\nage,A\n") }
        // Errors name the file's physical line: blank lines, a BOM and quoted line breaks counted.
        #expect(throws: ReasonCatalogError.duplicateColumn(line: 6, column: "age")) {
            try ReasonCatalog(csv: "column,code,text\n\nage,A,\"two\nlines\"\n\nage,B,b\n")
        }
        #expect(throws: ReasonCatalogError.badLine(line: 4, reason: "empty column name")) {
            try ReasonCatalog(csv: "\u{FEFF}\ncolumn,code,text\r\n\r\n,A,a\n")
        }
        // The reader's own errors pass through, with their line.
        let unclosed = ReasonCatalogError.csv(.unterminatedQuote(line: 3, column: 3))
        #expect(throws: unclosed) { try ReasonCatalog(csv: "column,code,text\nage,A,a\njob,B,\"open\n") }
        #expect(unclosed.description == "reasons file: CSV line 3, column 3: quoted field is not closed before the end of the input")
        #expect(throws: ReasonCatalogError.csv(.wrongFieldCount(line: 3, column: 3, expected: 3, found: 2))) {
            try ReasonCatalog(csv: "column,code,text\n\nage,A\n")
        }
        #expect(throws: ReasonCatalogError.badHeader) { try ReasonCatalog(csv: "col,code,text\nage,A,a\n") }
        #expect(throws: ReasonCatalogError.badHeader) { try ReasonCatalog(csv: "column,code,text,extra\nage,A,a,b\n") }
        #expect(ReasonCatalogError.badHeader.description == "reasons file: the header must be column,code,text")
        // Entries for columns the model does not have are kept (files are shared by versions), and listed.
        let shared = try ReasonCatalog(csv: "column,code,text\nage,A,a\nagee,B,b\nzip,C,c\n")
        #expect(shared.unknownColumns(of: ["age", "housing"]) == ["agee", "zip"])
        #expect(shared.unknownColumns(of: ["age", "agee", "zip"]).isEmpty)
        let big = "column,code,text\n" + String(repeating: "x", count: ReasonCatalog.maxBytes)
        #expect(throws: ReasonCatalogError.tooLarge(bytes: big.utf8.count, limit: ReasonCatalog.maxBytes)) {
            try ReasonCatalog(csv: big)
        }
    }

    /// Batch explanation on several threads equals the single-row call.
    @Test func batchEqualsSingleRows() throws {
        let (x, y) = TestSupport.binaryData(rows: 300, features: 5, seed: 8)
        let forest = try ForestTrainer.train(features: x, target: y, parameters: TestSupport.smallParameters(task: .classification))
        let explainer = try ForestExplainer(forest: forest)
        var phi = [Double](repeating: 0, count: 300 * 5)
        var totals = [ExplanationTotals](repeating: ExplanationTotals(prediction: 0, baseValue: 0), count: 300)
        try x.values.withUnsafeBufferPointer { r in
            try phi.withUnsafeMutableBufferPointer { p in
                try totals.withUnsafeMutableBufferPointer { t in
                    try explainer.explain(rows: r, rowCount: 300, output: 1, into: p, totals: t, threads: 3)
                }
            }
        }
        for i in stride(from: 0, to: 300, by: 7) {
            let (one, t) = try explainer.explain(row: Array(x.values[(i * 5)..<(i * 5 + 5)]), output: 1)
            #expect(Array(phi[(i * 5)..<(i * 5 + 5)]) == one)
            #expect(totals[i] == t)
        }
    }
}
