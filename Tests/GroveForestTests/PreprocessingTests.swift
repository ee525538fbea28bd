// Tests of preprocessing: mean fill, one-hot encoding, classes, record encoding.

import Testing
@testable import GroveForest

@Suite struct PreprocessingTests {
    func sampleTable() throws -> DataTable {
        try DataTable(columns: [
            .numeric("age", [20, .nan, 40]),
            .categorical("city", ["b", "a", nil]),
            .categorical("y", ["no", "yes", "no"]),
        ])
    }

    @Test func meanFillAndOneHotNames() throws {
        let p = try Preprocessing.fit(table: try sampleTable(), target: "y", task: .classification, positive: "yes")
        #expect(p.columns[0].fillValue == 30)
        #expect(p.columns[1].categories == ["a", "b"])
        #expect(p.featureNames == ["age", "city_a", "city_b"])
        #expect(p.classes == ["no", "yes"])
        #expect(p.positiveClass == 1)
        #expect(p.columnIndex(named: "city") == 1)
        #expect(p.columnIndex(named: "y") == nil)
        let x = try p.encode(table: try sampleTable())
        #expect(x.values == [20, 0, 1, 30, 1, 0, 40, 0, 0])
        #expect(try p.encodeTargets(table: try sampleTable()) == .classes(labels: [0, 1, 0], count: 2))
    }

    /// Row indices are checked before any column is read: one past the end or negative is
    /// `rowOutOfRange` (the encoder's column reads are unchecked: without the check a release
    /// build would read outside the columns), for every column kind; valid ones keep their order.
    @Test func rowIndicesOutsideTheTableAreAnError() throws {
        let t = try DataTable(columns: [
            .numeric("age", [20, .nan, 40]), .categorical("city", ["b", "a", nil]),
            .numeric("zip", [1, 2, 3]), .categorical("n", ["7", "8", "9"]), .categorical("y", ["no", "yes", "no"]),
        ])
        let p = try Preprocessing.fit(table: t, target: "y", task: .classification)
        // Read the other way round: `zip` (numeric) as categorical, `n` (text) as numeric.
        let swapped = try Preprocessing(target: "y", columns: [
            p.columns[0], p.columns[1], InputColumn(name: "zip", kind: .categorical, categories: ["1", "3"]),
            InputColumn(name: "n", kind: .numeric, fillValue: 0),
        ], classes: p.classes, positiveClass: nil)
        for q in [p, swapped] {
            for rows in [[3], [0, 1, 2, 3], [-1], [Int.min], [Int.max]] {
                #expect(throws: PreprocessingError.rowOutOfRange(row: rows.last!, rowCount: 3)) { try q.encode(table: t, rows: rows) }
                #expect(throws: PreprocessingError.rowOutOfRange(row: rows.last!, rowCount: 3)) { try q.encodeTargets(table: t, rows: rows) }
            }
            #expect(try q.encode(table: t, rows: [2, 0]).values == q.encode(table: t, rows: [2]).values + q.encode(table: t, rows: [0]).values)
            #expect(try q.encode(table: t, rows: []).rowCount == 0)
        }
        #expect(throws: PreprocessingError.rowOutOfRange(row: 3, rowCount: 3)) {
            try Preprocessing.fit(table: t, target: "y", task: .classification, rows: [0, 3])
        }
        #expect(PreprocessingError.rowOutOfRange(row: 3, rowCount: 3).description == "row index 3 is not a row of the table (it has 3 rows)")
    }

    @Test func categoriesSortLikePandas() throws {
        let t = try DataTable(columns: [.categorical("c", ["b", "a", "C", "é", "B"]), .numeric("y", [1, 2, 3, 4, 5])])
        let p = try Preprocessing.fit(table: t, target: "y", task: .regression)
        #expect(p.columns[0].categories == ["B", "C", "a", "b", "é"])
    }

    @Test func unseenCategoryAndMissingEncodeToZeros() throws {
        let p = try Preprocessing.fit(table: try sampleTable(), target: "y", task: .classification)
        var out = [Double](repeating: -1, count: 3)
        try out.withUnsafeMutableBufferPointer {
            try p.encode(record: [RecordField(name: "city", value: .text("zz")), RecordField(name: "age", value: .missing)],
                         into: $0)
        }
        #expect(out == [30, 0, 0])
        #expect(try p.encode(record: []) == [30, 0, 0])
        #expect(try p.encode(record: [RecordField(name: "age", value: .text("25.5")),
                                      RecordField(name: "city", value: .text("b"))]) == [25.5, 0, 1])
        #expect(try p.encode(record: [RecordField(name: "age", value: .number(.nan))]) == [30, 0, 0])
    }

    @Test func recordErrors() throws {
        let p = try Preprocessing.fit(table: try sampleTable(), target: "y", task: .classification)
        #expect(throws: PreprocessingError.unknownColumn("height")) {
            try p.encode(record: [RecordField(name: "height", value: .number(1))])
        }
        #expect(throws: PreprocessingError.notNumeric(column: "age", value: "old")) {
            try p.encode(record: [RecordField(name: "age", value: .text("old"))])
        }
        #expect(throws: PreprocessingError.duplicateField("age")) {
            try p.encode(record: [RecordField(name: "age", value: .number(1)), RecordField(name: "age", value: .number(2))])
        }
        var small = [Double](repeating: 0, count: 2)
        #expect(throws: PreprocessingError.bufferTooSmall(needed: 3, got: 2)) {
            try small.withUnsafeMutableBufferPointer { try p.encode(record: [], into: $0) }
        }
    }

    /// Encoded feature names are column or column_category: learning refuses two that would
    /// be equal, naming both sources, rather than make a model whose features share a name.
    @Test func clashingFeatureNamesAreRefusedAtLearning() throws {
        let y: [String?] = ["p", "q", "p"]
        let clash = try DataTable(columns: [.categorical("a", ["b_c", "x", "b_c"]), .categorical("a_b", ["c", "c", nil]),
                                            .categorical("y", y)])
        let error = PreprocessingError.duplicateFeatureName(name: "a_b_c", first: "column \"a\" category \"b_c\"",
                                                            second: "column \"a_b\" category \"c\"")
        #expect(throws: error) { try Preprocessing.fit(table: clash, target: "y", task: .classification) }
        #expect(error.description.contains("\"a_b_c\" comes from both column \"a\" category \"b_c\" and column \"a_b\" category \"c\""))
        let numeric = try DataTable(columns: [.numeric("a_b", [1, 2, 3]), .categorical("a", ["b", "x", nil]), .categorical("y", y)])
        #expect(throws: PreprocessingError.duplicateFeatureName(name: "a_b", first: "numeric column \"a_b\"",
                                                                second: "column \"a\" category \"b\"")) {
            try Preprocessing.fit(table: numeric, target: "y", task: .classification)
        }
        // Only the categories of the rows learned from count.
        #expect(try Preprocessing.fit(table: clash, target: "y", task: .classification, rows: [1]).featureNames == ["a_x", "a_b_c"])
    }

    /// The trainer checks the names of the preprocessing it keeps (learned from the training
    /// rows): a clash through a category seen only in held-out rows does not refuse the model;
    /// without a holdout the same table is refused.
    @Test func aClashOnlyInHeldOutRowsDoesNotRefuseTraining() throws {
        let n = 40
        let labels = (0..<n).map { $0 % 2 == 0 ? "x" : "y" }
        var p = TrainingParameters(task: .classification)
        p.trees = 2
        p.testFraction = 0.25
        let (_, test) = DataSplit.holdout(count: n, testFraction: p.testFraction, seed: p.seed,
                                          stratifyBy: labels.map { $0 == "x" ? Int32(0) : Int32(1) })
        let heldOut = try #require(test.first)
        let a: [String?] = (0..<n).map { $0 == heldOut ? "b_c" : "k\($0 % 3)" }
        let table = try DataTable(columns: [.categorical("a", a), .categorical("a_b", Array(repeating: "c", count: n)),
                                            .numeric("v", (0..<n).map(Double.init)), .categorical("y", labels)])
        let model = try ModelTrainer.train(table: table, target: "y", task: .classification, parameters: p, name: "m")
        #expect(!model.preprocessing.featureNames.contains("a_b_c") || model.preprocessing.featureNames.filter { $0 == "a_b_c" }.count == 1)
        p.testFraction = 0
        #expect(throws: PreprocessingError.self) {
            try ModelTrainer.train(table: table, target: "y", task: .classification, parameters: p, name: "m")
        }
    }

    @Test func classesSortNumericallyAndTargetErrors() throws {
        let t = try DataTable(columns: [.numeric("x", [1, 2, 3, 4]), .numeric("y", [10, 9, 1, 9])])
        let p = try Preprocessing.fit(table: t, target: "y", task: .classification, positive: "9")
        #expect(p.classes == ["1", "9", "10"])
        #expect(p.positiveClass == 1)
        #expect(try p.encodeTargets(table: t) == .classes(labels: [2, 1, 0, 1], count: 3))
        #expect(throws: PreprocessingError.unknownPositiveClass(label: "7", classes: ["1", "9", "10"])) {
            try Preprocessing.fit(table: t, target: "y", task: .classification, positive: "7")
        }
        let missing = try DataTable(columns: [.numeric("x", [1, 2]), .numeric("y", [1, .nan])])
        let r = try Preprocessing.fit(table: missing, target: "y", task: .regression)
        #expect(throws: PreprocessingError.missingTarget(row: 1)) { try r.encodeTargets(table: missing) }
        #expect(throws: PreprocessingError.noTargetColumn("zz")) {
            try Preprocessing.fit(table: t, target: "zz", task: .regression)
        }
    }

    @Test func encodeTableMatchesRecords() throws {
        let p = try Preprocessing.fit(table: try sampleTable(), target: "y", task: .classification)
        let other = try DataTable(columns: [.categorical("city", ["a", "q"])])  // age absent, target absent
        let x = try p.encode(table: other)
        #expect(x.values == [30, 1, 0, 30, 0, 0])
        #expect(throws: PreprocessingError.unknownColumn("zip")) {
            try p.encode(table: try DataTable(columns: [.numeric("zip", [1])]))
        }
    }

    /// The matrix is not cleared before its columns fill it: every value of every column kind
    /// (numbers, numbers read as text, categories, categories read as numbers, absent inputs) is
    /// written, as each row's record encoding shows. The encodings run just after blocks of the same size,
    /// full of a NaN pattern, are freed: a value left unwritten would likely read as that pattern.
    @Test func everyValueOfTheMatrixIsWritten() throws {
        let rows = 600
        var rng = RandomGenerator(seed: 21)
        func pick<T>(_ options: [T]) -> T { options[Int(rng.unit() * Double(options.count))] }
        let fitTable = try DataTable(columns: [
            .numeric("x", (0..<rows).map { _ in pick([1.5, -2, .nan, 7]) }),
            .numeric("asText", (0..<rows).map { _ in pick([3, 4, .nan]) }),
            .categorical("city", (0..<rows).map { _ in pick(["a", "b", "c", nil]) }),
            .categorical("code", (0..<rows).map { _ in pick(["1", "2", "10", nil]) }),
            .categorical("gone", (0..<rows).map { _ in pick(["p", "q"]) }),
            .numeric("absent", (0..<rows).map { _ in pick([5, 6]) }),
            .categorical("y", (0..<rows).map { _ in pick(["no", "yes"]) }),
        ])
        let p = try Preprocessing.fit(table: fitTable, target: "y", task: .classification)
        // The same inputs as other kinds, two input columns absent, an unseen category.
        let table = try DataTable(columns: [
            .numeric("x", (0..<rows).map { _ in pick([1.5, -2, .nan]) }),
            .categorical("asText", (0..<rows).map { _ in pick(["3", "4", nil]) }),
            .categorical("city", (0..<rows).map { _ in pick(["a", "c", "zz", nil]) }),
            .numeric("code", (0..<rows).map { _ in pick([1, 2, 10, .nan]) }),
        ])
        let records: [[Double]] = try (0..<rows).map { r in
            try p.encode(record: table.columns.map { RecordField(name: $0.name, value: $0.value(at: r)) })
        }
        for round in 0..<5 {
            do {
                let dirty = [Double](repeating: Double(bitPattern: 0x7FF8_DEAD_BEEF_0001), count: rows * p.featureCount)
                #expect(dirty.count == rows * p.featureCount)
            }
            let x = try p.encode(table: table, threads: 2)
            let differ = (0..<rows).filter { r in
                (0..<p.featureCount).contains { x.values[r * p.featureCount + $0].bitPattern != records[r][$0].bitPattern }
            }
            #expect(differ.isEmpty, "round \(round): rows \(differ.prefix(5)) differ from their records")
        }
    }

    @Test func invalidSchemaIsRefused() {
        #expect(throws: PreprocessingError.self) {
            try Preprocessing(target: "y", columns: [InputColumn(name: "a", kind: .numeric), InputColumn(name: "a", kind: .numeric)],
                              classes: [], positiveClass: nil)
        }
        #expect(throws: PreprocessingError.self) {
            try Preprocessing(target: "y", columns: [InputColumn(name: "a", kind: .numeric)], featureNames: [],
                              classes: [], positiveClass: nil)
        }
        #expect(throws: PreprocessingError.self) {
            try Preprocessing(target: "y", columns: [], classes: ["a", "b"], positiveClass: 2)
        }
    }
}
