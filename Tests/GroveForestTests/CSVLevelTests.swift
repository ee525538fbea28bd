// CSVLevelTests: categories looked up by their bytes first give the codes and levels that
// looking every field up as a String gives (first-seen order, String equality).

import Testing
@testable import GroveForest

@Suite struct CSVLevelTests {
    /// Levels that are prefixes of each other, more of them than the byte lookup keeps, one
    /// spelled two ways that are equal Strings (precomposed and combining é), invalid UTF-8
    /// that decodes to the same String from different bytes, and the empty string.
    @Test func byteLookupGivesTheStringLookupsCodes() throws {
        var rng = RandomGenerator(seed: 8)
        let spelled: [[UInt8]] = [Array("a".utf8), Array("ab".utf8), Array("abc".utf8), Array("b".utf8),
                                  Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8), [0x78, 0xFF], [0x78, 0xFE], []]
            + (0..<40).map { Array("level\($0)".utf8) }
        var bytes = Array("x,y\n".utf8)
        var fields: [[UInt8]] = []
        for r in 0..<2_000 {
            let f = spelled[r < spelled.count ? r % spelled.count : Int(rng.unit() * Double(spelled.count))]
            fields.append(f)
            bytes += Array("\(r),".utf8) + f + [0x0A]
        }
        for chunks in [1, 4] {
            let table = try bytes.withUnsafeBufferPointer {
                try CSVReader.parse(buffer: $0, options: CSVOptions(missingMarkers: ["NA"]), chunks: chunks, minChunkBytes: 1)
            }
            let want = DataColumn.categorical("y", fields.map { String(decoding: $0, as: UTF8.self) })
            #expect(table.columns[1] == want, "\(chunks) chunks")
        }
    }
}
