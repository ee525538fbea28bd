// Tests of the CSV reader's chunked (parallel) parse: the same table and errors as one chunk.

import Testing
@testable import GroveForest

@Suite struct CSVChunkTests {
    /// The table (or error text) of `text` parsed in `chunks` chunks of any size.
    private func parse(_ text: String, chunks: Int, options: CSVOptions = CSVOptions()) -> Result<DataTable, CSVError> {
        let bytes = Array(text.utf8)
        do {
            return .success(try bytes.withUnsafeBufferPointer {
                try CSVReader.parse(buffer: $0, options: options, chunks: chunks, minChunkBytes: 1)
            })
        } catch let error as CSVError {
            return .failure(error)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(.noHeader)
        }
    }

    /// Every chunk count from 2 to 24 gives what one chunk gives.
    private func expectSameAsOneChunk(_ text: String, options: CSVOptions = CSVOptions(),
                                      sourceLocation: SourceLocation = #_sourceLocation) {
        let one = parse(text, chunks: 1, options: options)
        for chunks in 2...24 {
            let many = parse(text, chunks: chunks, options: options)
            #expect(many == one, "\(chunks) chunks", sourceLocation: sourceLocation)
        }
    }

    @Test func chunksGiveTheSameTable() throws {
        var rows = ["id,x,cat,note"]
        for i in 0..<60 {
            rows.append("\(i),\(Double(i) * 0.25),\(["a", "b", "NA", "", "c"][i % 5]),plain\(i % 3)")
        }
        let text = rows.joined(separator: "\n") + "\n"
        expectSameAsOneChunk(text)
        expectSameAsOneChunk("\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n"))
        expectSameAsOneChunk(text.replacingOccurrences(of: "\n", with: "\n\n\n"))
        // Categories first seen in a later chunk keep first-seen order overall.
        let late = "k,v\n" + (0..<30).map { "\($0 < 20 ? "early" : "late\($0 % 4)"),\($0)" }.joined(separator: "\n")
        expectSameAsOneChunk(late)
        let t = try #require(try? parse(late, chunks: 4).get())
        if case let .categorical(_, levels) = t.columns[0].storage {
            #expect(levels == ["early", "late0", "late1", "late2", "late3"])
        } else {
            Issue.record("k should be categorical")
        }
    }

    /// A chunk can start inside a quoted field whose lines look like records of their own:
    /// it must be dropped, and the chunk before it read on.
    @Test func chunkStartingInsideAQuotedFieldIsNotUsed() throws {
        let fake = (0..<12).map { "\($0),\($0 * 2),fake" }.joined(separator: "\n")
        let text = "a,b,c\n1,2,\"\n\(fake)\n\"\n3,4,\"x\ny\"\n5,6,z\n"
        let one = try #require(try? parse(text, chunks: 1).get())
        #expect(one.rowCount == 3)
        #expect(one.columns[2].value(at: 0) == .text("\n\(fake)\n"))
        expectSameAsOneChunk(text)
        // Quotes spanning many lines throughout the file.
        var rows = ["id,text,n"]
        for i in 0..<40 { rows.append("\(i),\"line \(i)\n\(i),\(i),\(i)\n\"\"q\"\"\",\(i % 7)") }
        expectSameAsOneChunk(rows.joined(separator: "\n") + "\n")
    }

    @Test func errorsNameTheSameLineInAnyChunk() {
        var rows = ["a,b"]
        for i in 0..<40 { rows.append("\(i),\(i)") }
        var bad = rows
        bad[33] = "1,2,3"
        let text = bad.joined(separator: "\n") + "\n"
        #expect(parse(text, chunks: 1) == .failure(.wrongFieldCount(line: 34, column: 3, expected: 2, found: 3)))
        expectSameAsOneChunk(text)
        // A quoted newline early on moves every later physical line.
        var quoted = rows
        quoted[2] = "\"x\ny\",1"
        quoted[30] = "7"
        let moved = quoted.joined(separator: "\n") + "\n"
        #expect(parse(moved, chunks: 1) == .failure(.wrongFieldCount(line: 32, column: 2, expected: 2, found: 1)))
        expectSameAsOneChunk(moved)
        // The first error in file order wins, whichever chunk finds its error first.
        var two = rows
        two[5] = "1"
        two[35] = "1,2,3"
        expectSameAsOneChunk(two.joined(separator: "\n"))
        expectSameAsOneChunk(rows.joined(separator: "\n") + "\n\"open,1\n2,2\n")
        expectSameAsOneChunk(rows.joined(separator: "\n") + "\n\"x\"y,1\n")
        var forced = rows
        forced[38] = "1,oops"
        expectSameAsOneChunk(forced.joined(separator: "\n"), options: CSVOptions(kinds: ["b": .numeric]))
    }

    /// A column with numbers in one chunk and text in another, or one needing a rescan, makes
    /// the reader parse the file as one chunk; a chunk holding only missing values of a column
    /// that is text elsewhere joins as missing codes. Either way the table is one chunk's.
    @Test func kindChangesAcrossChunksGiveOneChunksTable() throws {
        var rows = ["n,m"]
        for i in 0..<40 { rows.append("\(i),\(i == 31 ? "text" : String(i))") }
        let text = rows.joined(separator: "\n")
        expectSameAsOneChunk(text)
        let t = try #require(try? parse(text, chunks: 3).get())
        #expect(t.columns[1].kind == .categorical)
        #expect(t.columns[1].value(at: 0) == .text("0"))
        var missingFirst = ["n,m"]
        for i in 0..<40 { missingFirst.append("\(i),\(i < 25 ? "NA" : "t\(i % 3)")") }
        expectSameAsOneChunk(missingFirst.joined(separator: "\n"))
    }

    @Test func largeFilesUseChunksOfAtLeastTheMinimum() throws {
        // 3 MiB of records: two threads split it; the result equals one chunk's.
        var rows = ["x,y,c"]
        var i = 0
        var size = 0
        while size < 3 << 20 {
            let r = "\(Double(i) / 7),\(i % 13),c\(i % 5)"
            size += r.utf8.count + 1
            rows.append(r)
            i += 1
        }
        let bytes = Array((rows.joined(separator: "\n") + "\n").utf8)
        let serial = try bytes.withUnsafeBufferPointer { try CSVReader.parse(buffer: $0, threads: 1) }
        let parallel = try bytes.withUnsafeBufferPointer { try CSVReader.parse(buffer: $0, threads: 2) }
        #expect(serial == parallel)
        #expect(serial.rowCount == i)
    }
}
