// PredictRequestReaderTests: dense and raw-record requests read in place agree with protobuf-c, and anything unsure is declined.

import Foundation
import GroveFuzzChecks
import Testing
@testable import GroveWire

@Suite struct PredictRequestReaderTests {
    static func encoded(_ request: Request) -> [UInt8] { request.encoded() }

    static func read(_ bytes: [UInt8]) -> PredictRequestReader.Parts? {
        bytes.withUnsafeBytes { PredictRequestReader.readDense($0) }
    }

    static func values(_ p: PredictRequestReader.Parts) -> [Double] {
        (0..<p.count).map { p.denseBytes.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
    }

    static let base = Request(id: 300, apiKey: "desk-key", timeoutMicros: 5000, call: .predict(PredictRequest(
        model: ModelSelector(name: "german_credit", version: 4, label: "stable"), dense: [1.5, -2, 0, -0.0, .infinity, 7e-310],
        labelsOnly: true, reasons: 3)))

    /// A request as the clients write it is read, every part as sent (checked against
    /// protobuf-c by the differential check too).
    @Test func theClientsRequestIsRead() throws {
        let bytes = Self.encoded(Self.base)
        let p = try #require(Self.read(bytes))
        #expect(p.id == 300 && p.timeoutMicros == 5000 && p.version == 4 && p.labelsOnly && p.reasons == 3)
        #expect(String(decoding: p.apiKey, as: UTF8.self) == "desk-key")
        #expect(String(decoding: p.modelName, as: UTF8.self) == "german_credit")
        #expect(String(decoding: p.label, as: UTF8.self) == "stable")
        #expect(Self.values(p).map(\.bitPattern) == [1.5, -2, 0, -0.0, .infinity, 7e-310].map(\.bitPattern))
        #expect(try bytes.withUnsafeBytes { try FuzzChecks.denseRequest($0) })
        // Defaults left out on the wire read as protobuf-c's zeros.
        let bare = try #require(Self.read(Self.encoded(Request(id: 0, call: .predict(PredictRequest(model: ModelSelector(name: "m"), dense: [1]))))))
        #expect(bare.id == 0 && bare.timeoutMicros == 0 && bare.apiKey.isEmpty && bare.version == 0 && bare.label.isEmpty && !bare.labelsOnly && bare.reasons == 0)
    }

    /// What the reader is not sure of goes to protobuf-c's path.
    @Test func unsureRequestsAreDeclined() {
        func predict(_ p: PredictRequest, apiKey: String = "") -> [UInt8] { Self.encoded(Request(id: 1, apiKey: apiKey, call: .predict(p))) }
        let m = ModelSelector(name: "m")
        #expect(Self.read(predict(PredictRequest(model: m, dense: [1, .nan]))) == nil, "a NaN (notes)")
        #expect(Self.read(predict(PredictRequest(model: m, records: [RawRecord([RawField("a", .number(1))])]))) == nil, "records")
        #expect(Self.read(predict(PredictRequest(model: m, dense: []))) == nil, "no values")
        #expect(Self.read(Self.encoded(Request(id: 1, call: .health))) == nil, "another call")
        // Over the reader's bound: protobuf-c's path.
        let big = [Double](repeating: 1, count: PredictRequestReader.maxDenseBytes / 8 + 1)
        #expect(Self.read(predict(PredictRequest(model: m, dense: big))) == nil, "above maxDenseBytes")
        #expect(Self.read(predict(PredictRequest(model: m, dense: Array(big.dropLast())))) != nil, "at maxDenseBytes")
        // Text the hot path refuses: the ordinary path reports it.
        #expect(Self.read(predict(PredictRequest(model: ModelSelector(name: "a\u{0}b"), dense: [1]))) == nil, "NUL in the name")
        var badKey = predict(PredictRequest(model: m, dense: [1]), apiKey: "k~")
        badKey[badKey.firstIndex(of: 0x7e)!] = 0xff   // the key's "~" becomes a byte that is not UTF-8
        #expect(Self.read(badKey) == nil, "invalid UTF-8 in the key")
        // Hand-made framings protobuf-c merges, concatenates or refuses.
        let sel = Self.field(1, 2, Self.field(1, 2, Array("m".utf8)))
        let one = Self.field(2, 2, Self.doubles([1]))
        #expect(Self.read(Self.field(13, 2, sel + one)) != nil, "the plain form")
        #expect(Self.read(Self.field(13, 2, sel + sel + one)) == nil, "two selectors (merged)")
        #expect(Self.read(Self.field(13, 2, sel + one + one)) == nil, "dense twice (concatenated)")
        #expect(Self.read(Self.field(13, 2, sel + Self.field(2, 1, Self.doubles([1])))) == nil, "dense unpacked")
        #expect(Self.read(Self.field(13, 2, sel + Self.field(2, 2, [1, 2, 3, 4, 5, 6, 7])))  == nil, "dense not a multiple of 8")
        #expect(Self.read(Self.field(13, 2, sel + one) + Self.field(13, 2, sel + one)) == nil, "two predict calls")
        #expect(Self.read(Self.field(1, 2, [1]) + Self.field(13, 2, sel + one)) == nil, "id with another wire type")
        #expect(Self.read(Self.field(13, 2, sel + one + Self.field(4, 2, [1]))) == nil, "labels_only with another wire type")
        #expect(Self.read(Self.field(9, 0, [1]) + Self.field(13, 2, sel + one)) == nil, "an unknown top-level field")
        #expect(Self.read(Self.field(13, 2, sel + one + [0x1b])) == nil, "a group (wire type 3)")
        #expect(Self.read(Self.field(13, 2, sel + one)  + [0x08]) == nil, "a truncated field")
    }

    /// A frame of very many tiny fields is declined, so protobuf-c's path answers it (it refuses
    /// such a frame as too complex for the request arena): the reader's field bound, at the
    /// bound and one above, in each of the three messages it walks; and the reviewer's frame of
    /// 900,000 unknown fields (1.8 MB, under the 4 MiB frame limit).
    @Test func framesOfVeryManyFieldsAreDeclined() {
        let sel = Self.field(1, 2, Self.field(1, 2, Array("m".utf8)))
        let one = Self.field(2, 2, Self.doubles([1]))
        let unknown = Self.field(7, 0, [0])
        let n = PredictRequestReader.maxFields
        // The predict call: selector + dense + fillers.
        #expect(Self.read(Self.field(13, 2, sel + one + Array(repeating: unknown, count: n - 2).flatMap { $0 })) != nil, "at the bound")
        #expect(Self.read(Self.field(13, 2, sel + one + Array(repeating: unknown, count: n - 1).flatMap { $0 })) == nil, "one above")
        let labelsOnly = Self.field(4, 0, [0])
        #expect(Self.read(Self.field(13, 2, sel + one + Array(repeating: labelsOnly, count: n - 1).flatMap { $0 })) == nil, "a known field repeated")
        // The top level: predict + fillers.
        let topFiller = Self.field(1, 0, [1])
        #expect(Self.read(Array(repeating: topFiller, count: n - 1).flatMap { $0 } + Self.field(13, 2, sel + one)) != nil, "top at the bound")
        #expect(Self.read(Array(repeating: topFiller, count: n).flatMap { $0 } + Self.field(13, 2, sel + one)) == nil, "top one above")
        // The selector.
        let selFiller = Self.field(2, 0, [1])
        let bigSel = Self.field(1, 2, Self.field(1, 2, Array("m".utf8)) + Array(repeating: selFiller, count: n).flatMap { $0 })
        #expect(Self.read(Self.field(13, 2, bigSel + one)) == nil, "selector one above")
        let huge = Self.field(13, 2, sel + one + [UInt8](repeating: 0, count: 900_000 * 2).enumerated().map { $0.offset % 2 == 0 ? 0x38 : 0x00 })
        #expect(huge.count > 1_800_000)
        #expect(Self.read(huge) == nil, "900,000 unknown fields")
    }

    /// Repeated scalars take the last value, unknown fields are skipped, long varints read as
    /// protobuf-c reads them: the same parts as protobuf-c.
    @Test func protobufCsReadingOfOddButValidForms() throws {
        let sel = Self.field(1, 2, Self.field(1, 2, Array("m".utf8)) + Self.field(2, 0, [5]) + Self.field(12, 0, [9]) + Self.field(2, 0, [6]))
        let predict = sel + Self.field(2, 2, Self.doubles([3])) + Self.field(4, 0, [0x80, 0x01]) + Self.field(6, 0, [0xff, 0xff, 0xff, 0xff, 0x7f])
            + Self.field(20, 5, [1, 2, 3, 4]) + Self.field(4, 0, [0x80, 0x00]) + Self.field(5, 0, [1])
        let body = Self.field(1, 0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]) + Self.field(1, 0, [0x81, 0x01])
            + Self.field(3, 0, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]) + Self.field(13, 2, predict)
        let p = try #require(Self.read(body))
        #expect(p.id == 129 && p.version == 6 && !p.labelsOnly && p.reasons == Int(UInt32.max))
        #expect(p.timeoutMicros == 1 << 63)
        #expect(try body.withUnsafeBytes { try FuzzChecks.denseRequest($0) })
    }

    /// Every byte of a real request changed to many values, bytes dropped and inserted: wherever
    /// the reader reads the result, protobuf-c decodes it to the same parts.
    @Test func mutatedRequestsAgreeWithProtobufC() throws {
        let original = Self.encoded(Self.base)
        var rng = SplitMix(seed: 0xd5e)
        var read = 0, checked = 0
        for _ in 0..<20_000 {
            let b = Self.mutated(original, &rng)
            #expect(throws: Never.self) { if try b.withUnsafeBytes({ try FuzzChecks.denseRequest($0) }) { read += 1 } }
            checked += 1
        }
        #expect(checked == 20_000)
        #expect(read > 1000, "the mutations left too few readable requests to check anything (\(read))")
    }

    /// Each record's bytes as the reader hands them out.
    static func records(_ p: PredictRequestReader.Parts) -> [[UInt8]] {
        var all = p.records.makeIterator(), out: [[UInt8]] = []
        while let b = all.next() { out.append(Array(b)) }
        return out
    }

    /// A raw-record request as the clients write it is read: every part as sent, each record as
    /// its bytes, in order (and the same as the lazy twin's, by the differential check).
    @Test func theClientsRecordRequestIsRead() throws {
        let a = RawRecord([RawField("age", .number(35)), RawField("housing", .text("own"))])
        let b = RawRecord([RawField("housing", .text("rent")), RawField("age", .missing)])
        let request = Request(id: 301, apiKey: "desk-key", timeoutMicros: 7000, call: .predict(PredictRequest(
            model: ModelSelector(name: "german_credit", version: 4, label: "stable"), records: [a, b], labelsOnly: true)))
        let bytes = Self.encoded(request)
        let p = try #require(bytes.withUnsafeBytes { PredictRequestReader.read($0) })
        #expect(p.id == 301 && p.timeoutMicros == 7000 && p.version == 4 && p.labelsOnly && p.reasons == 0 && p.denseBytes.isEmpty)
        #expect(String(decoding: p.apiKey, as: UTF8.self) == "desk-key" && String(decoding: p.modelName, as: UTF8.self) == "german_credit")
        #expect(p.records.count == 2)
        let one = Self.encoded(Request(id: 1, call: .predict(PredictRequest(model: ModelSelector(name: "m"), records: [a]))))
        let two = Self.encoded(Request(id: 1, call: .predict(PredictRequest(model: ModelSelector(name: "m"), records: [b]))))
        // The record's bytes are the tail of a one-record request (tag 0x1a and a one-byte length before them).
        #expect(Self.records(p) == [Array(one.suffix(Self.records(p)[0].count)), Array(two.suffix(Self.records(p)[1].count))])
        #expect(Self.read(bytes) == nil, "not dense")
        #expect(throws: Never.self) { try bytes.withUnsafeBytes { _ = try FuzzChecks.recordScanner($0) } }
    }

    /// What the record hot path does not take, or the reader is not sure of, goes to
    /// protobuf-c's path; the bound on records, at the bound and one above.
    @Test func unsureRecordRequestsAreDeclined() {
        let sel = Self.field(1, 2, Self.field(1, 2, Array("m".utf8)))
        let record = Self.field(3, 2, Self.field(1, 2, Self.field(1, 2, Array("a".utf8)) + [0x11] + Self.doubles([1])))
        func read(_ b: [UInt8]) -> PredictRequestReader.Parts? { b.withUnsafeBytes { PredictRequestReader.read($0) } }
        #expect(read(Self.field(13, 2, sel + record))?.records.count == 1, "the plain form")
        #expect(read(Self.field(13, 2, sel + record + record + Self.field(9, 0, [1])))?.records.count == 2, "an unknown field beside")
        #expect(read(Self.field(13, 2, sel + record + Self.field(2, 2, Self.doubles([1])))) == nil, "dense values beside")
        #expect(read(Self.field(13, 2, sel + record + Self.field(6, 0, [2]))) == nil, "inline reasons")
        #expect(read(Self.field(13, 2, sel + record + Self.field(6, 0, [2]) + Self.field(6, 0, [0])))?.records.count == 1, "reasons given twice, the last 0")
        #expect(read(Self.field(13, 2, sel + record + Self.field(3, 0, [1]))) == nil, "a record with another wire type")
        #expect(read(Self.field(13, 2, sel + sel + record)) == nil, "two selectors")
        #expect(read(Self.field(13, 2, sel + record) + Self.field(13, 2, sel + record)) == nil, "two predict calls")
        #expect(read(Self.field(13, 2, Self.field(1, 2, Self.field(1, 2, [0xff])) + record)) == nil, "a name that is not UTF-8")
        let empty = Self.field(3, 2, [])
        let n = PredictRequestReader.maxRecords
        #expect(read(Self.field(13, 2, sel + Array(repeating: empty, count: n).flatMap { $0 }))?.records.count == n, "at maxRecords")
        #expect(read(Self.field(13, 2, sel + Array(repeating: empty, count: n + 1).flatMap { $0 })) == nil, "one above")
        // Records are not counted against maxFields; the other fields still are.
        let unknown = Self.field(7, 0, [0])
        #expect(read(Self.field(13, 2, sel + record + Array(repeating: unknown, count: PredictRequestReader.maxFields - 1).flatMap { $0 })) != nil)
        #expect(read(Self.field(13, 2, sel + record + Array(repeating: unknown, count: PredictRequestReader.maxFields).flatMap { $0 })) == nil)
    }

    /// Every byte of a real record request changed to many values, bytes dropped and inserted:
    /// wherever the reader reads records from the result, the lazy twin reads the same call.
    @Test func mutatedRecordRequestsAgreeWithTheLazyTwin() throws {
        let records = (0..<3).map { i in RawRecord([RawField("age", .number(Double(30 + i))), RawField("housing", .text("own")), RawField("job", .missing)]) }
        let original = Self.encoded(Request(id: 77, apiKey: "k", timeoutMicros: 9, call: .predict(PredictRequest(
            model: ModelSelector(name: "german_credit", version: 2), records: records, labelsOnly: true))))
        var rng = SplitMix(seed: 0x7ec)
        var read = 0
        for _ in 0..<10_000 {
            let b = Self.mutated(original, &rng)
            if b.withUnsafeBytes({ PredictRequestReader.read($0)?.records.count ?? 0 }) > 0 { read += 1 }
            #expect(throws: Never.self) { try b.withUnsafeBytes { _ = try FuzzChecks.recordScanner($0) } }
        }
        #expect(read > 1000, "the mutations left too few readable requests to check anything (\(read))")
    }

    /// `original` with one to three bytes changed, dropped or inserted.
    static func mutated(_ original: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = original
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let i = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 4 {
            case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
            case 1: b[i] ^= 1 << (rng.next() % 8)
            case 2: b.remove(at: i)
            default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
            }
            if b.isEmpty { b = [0] }
        }
        return b
    }

    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }

    /// A field: tag, then the length for wire type 2, then `payload` (a varint's or fixed value's bytes).
    static func field(_ number: UInt64, _ wireType: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(number << 3 | wireType) + (wireType == 2 ? varint(UInt64(payload.count)) : []) + payload
    }

    static func doubles(_ v: [Double]) -> [UInt8] {
        v.flatMap { d in withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } }
    }
}
