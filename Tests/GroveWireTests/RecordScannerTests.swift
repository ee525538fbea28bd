// RecordScannerTests: raw records read from their wire bytes agree with protobuf-c's unpack, field by field and on refusals.

import Foundation
import GroveFuzzChecks
import GroveWire
import Testing

@Suite struct RecordScannerTests {
    // Wire bytes, built by hand (so that malformed ones can be built too).
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func tag(_ number: UInt64, _ wireType: UInt64) -> [UInt8] { varint(number << 3 | wireType) }
    static func delimited(_ number: UInt64, _ bytes: [UInt8]) -> [UInt8] { tag(number, 2) + varint(UInt64(bytes.count)) + bytes }
    static func double(_ number: UInt64, _ x: Double) -> [UInt8] {
        tag(number, 1) + withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) }
    }
    static func field(_ parts: [UInt8]...) -> [UInt8] { delimited(1, parts.flatMap { $0 }) }
    static func name(_ s: String) -> [UInt8] { delimited(1, Array(s.utf8)) }
    static func text(_ s: String) -> [UInt8] { delimited(3, Array(s.utf8)) }

    static func scan(_ bytes: [UInt8]) -> (FuzzChecks.RecordScanOutcome, [ProtobufCRecords.Field]) {
        bytes.withUnsafeBufferPointer { FuzzChecks.scanRecord($0) }
    }

    /// The scanner's verdict, after the differential check against protobuf-c passed on the bytes.
    static func checked(_ bytes: [UInt8]) throws -> FuzzChecks.RecordScanOutcome {
        try bytes.withUnsafeBytes { try FuzzChecks.recordScanner($0) }
    }

    @Test func readsEachFieldInOrder() throws {
        let record = Self.field(Self.name("age"), Self.double(2, 35)) + Self.field(Self.name("housing"), Self.text("own"))
            + Self.field(Self.name("note"), Self.tag(4, 0) + [1]) + Self.field(Self.name("empty"))
        let (outcome, fields) = Self.scan(record)
        #expect(outcome == .accepted)
        #expect(fields == [
            .init(name: Array("age".utf8), value: .number(35.0.bitPattern)),
            .init(name: Array("housing".utf8), value: .text(Array("own".utf8))),
            .init(name: Array("note".utf8), value: .missing),
            .init(name: Array("empty".utf8), value: .missing),
        ])
        #expect(try Self.checked(record) == .accepted)
    }

    /// protobuf-c keeps the last name and the last member of the `value` oneof.
    @Test func theLastNameAndTheLastValueWin() throws {
        let record = Self.field(Self.name("a"), Self.double(2, 1), Self.name("b"), Self.text("x"), Self.double(2, 2))
            + Self.field(Self.double(2, 3), Self.tag(4, 0) + [0])   // missing = false still selects `missing`
            + Self.field(Self.tag(4, 0) + [1], Self.text("t"))
        let (outcome, fields) = Self.scan(record)
        #expect(outcome == .accepted)
        #expect(fields == [
            .init(name: Array("b".utf8), value: .number(2.0.bitPattern)),
            .init(name: [], value: .missing),
            .init(name: [], value: .text(Array("t".utf8))),
        ])
        #expect(try Self.checked(record) == .accepted)
    }

    /// Unknown fields of every valid wire type are skipped, in a record and in a field.
    @Test func unknownFieldsAreSkipped() throws {
        let unknown = Self.tag(9, 0) + [0x96, 0x01] + Self.tag(10, 1) + [UInt8](repeating: 7, count: 8)
            + Self.delimited(11, [1, 2, 3]) + Self.tag(12, 5) + [1, 2, 3, 4]
        let record = unknown + Self.field(Self.name("a"), unknown, Self.double(2, 4)) + unknown
        let (outcome, fields) = Self.scan(record)
        #expect(outcome == .accepted)
        #expect(fields == [.init(name: Array("a".utf8), value: .number(4.0.bitPattern))])
        #expect(try Self.checked(record) == .accepted)
    }

    /// What protobuf-c refuses, the scanner calls malformed (and the differential check agrees).
    @Test func malformedBytesAreRefused() throws {
        let good = Self.field(Self.name("a"), Self.double(2, 1))
        let cases: [(String, [UInt8])] = [
            ("a length past the end", good + Self.tag(1, 2) + [5, 0x0a]),
            ("a length past the end inside a field", Self.delimited(1, Self.tag(1, 2) + [9, 0x61])),
            ("a double cut short", Self.delimited(1, Self.tag(2, 1) + [0, 0, 0])),
            ("a group (wire type 3)", good + Self.tag(7, 3)),
            ("an end group (wire type 4) inside a field", Self.delimited(1, Self.tag(7, 4))),
            ("wire type 6", Self.tag(7, 6) + [0]),
            ("field number 0", [0x02, 0x00]),
            ("a varint of 11 bytes", Self.tag(7, 0) + [UInt8](repeating: 0x80, count: 10) + [0]),
            ("a tag of 6 bytes", [0x8a, 0x80, 0x80, 0x80, 0x80, 0x00]),
            ("a length prefix of 6 bytes", Self.tag(7, 2) + [0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
            ("a length above Int32.max", Self.tag(7, 2) + [0xff, 0xff, 0xff, 0xff, 0x0f]),
            ("fields as a varint", Self.tag(1, 0) + [1]),
            ("a name as a double", Self.delimited(1, Self.double(1, 1))),
            ("a number as a varint", Self.delimited(1, Self.tag(2, 0) + [1])),
            ("a text as a fixed32", Self.delimited(1, Self.tag(3, 5) + [0, 0, 0, 0])),
        ]
        for (what, bytes) in cases {
            #expect(Self.scan(bytes).0 == .malformed, "\(what)")
            #expect(try Self.checked(bytes) == .malformed, "\(what)")
        }
    }

    /// Every length is checked against the bytes given, not the memory after them: each prefix of
    /// a valid record, read in place inside the whole record's buffer (so that reading on would
    /// find valid bytes), agrees with protobuf-c on the prefix, all but the field boundaries are
    /// malformed, and no field yielded on the way (before the verdict) points past the prefix.
    @Test func lengthsAreCheckedAgainstTheBytesGiven() throws {
        let record = Self.field(Self.name("age"), Self.double(2, 35)) + Self.field(Self.name("housing"), Self.text("own"))
        let boundaries: Set<Int> = [0, Self.field(Self.name("age"), Self.double(2, 35)).count, record.count]
        try record.withUnsafeBytes { all in
            for n in 0...all.count {
                let outcome = try FuzzChecks.recordScanner(UnsafeRawBufferPointer(rebasing: all[0..<n]))
                #expect(outcome == (boundaries.contains(n) ? .accepted : .malformed), "prefix of \(n) bytes")
                let prefix = UnsafeBufferPointer(rebasing: all.bindMemory(to: UInt8.self)[0..<n])
                var scanner = RecordScanner(prefix)
                func inside(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
                    b.isEmpty || (b.baseAddress! >= prefix.baseAddress! && b.baseAddress! + b.count <= prefix.baseAddress! + n)
                }
                steps: while true {
                    switch scanner.next() {
                    case let .field(f):
                        #expect(inside(f.name), "prefix of \(n) bytes: a name past the bytes given")
                        if case let .text(t) = f.kind { #expect(inside(t), "prefix of \(n) bytes: a text past the bytes given") }
                    default: break steps
                    }
                }
            }
        }
    }

    /// A name, text or field above the named maximum is declined: the ordinary path decides.
    @Test func lengthsAboveTheMaximumAreDeclined() throws {
        let long = [UInt8](repeating: 0x61, count: RecordScanner.maxLength + 1)
        #expect(Self.scan(Self.field(Self.delimited(1, long))).0 == .declined)
        #expect(Self.scan(Self.field(Self.delimited(3, long))).0 == .declined)
        #expect(Self.scan(Self.field(Self.name("a"), Self.delimited(9, long))).0 == .declined)   // the field itself
        let atMaximum = [UInt8](repeating: 0x61, count: RecordScanner.maxLength - 8)
        #expect(try Self.checked(Self.field(Self.delimited(1, atMaximum))) == .accepted)
    }

    /// Fields that yield nothing are bounded per record (`maxSkippedFields`), wherever they are:
    /// unknown fields in the record, unknown fields in a field, a field's name or value given
    /// again. At the bound the record is read (as protobuf-c reads it); one above, declined.
    @Test func fieldsThatYieldNothingAreBounded() throws {
        let n = RecordScanner.maxSkippedFields
        let unknown = Self.tag(9, 0) + [1]
        let value = Self.double(2, 4)
        func record(inRecord: Int, inField: Int, repeats: Int) -> [UInt8] {
            Array(repeating: unknown, count: inRecord).flatMap { $0 }
                + Self.field(Self.name("a"), Array(repeating: unknown, count: inField).flatMap { $0 }, Array(repeating: value, count: repeats + 1).flatMap { $0 })
                + Self.field(Self.name("b"), Self.text("x"))
        }
        for (what, split) in [("in the record", (n, 0, 0)), ("in a field", (0, n, 0)), ("a value given again", (0, 0, n)),
                              ("all three", (n / 2, n / 4, n - n / 2 - n / 4))] {
            let at = record(inRecord: split.0, inField: split.1, repeats: split.2)
            #expect(try Self.checked(at) == .accepted, "\(what), at the bound")
            #expect(Self.scan(at).1.count == 2)
            for above in [record(inRecord: split.0 + 1, inField: split.1, repeats: split.2),
                          record(inRecord: split.0, inField: split.1 + 1, repeats: split.2),
                          record(inRecord: split.0, inField: split.1, repeats: split.2 + 1)] {
                #expect(try Self.checked(above) == .declined, "\(what), one above")
            }
        }
    }

    /// A field confirmed against its head (`next(head:count:)`) is the field `next()` reads from
    /// the same bytes, and anything not written as a client writes it is left to `next()` with
    /// the scanner unmoved: names of every length around the comparison's 4- and 8-byte steps,
    /// numbers and texts, then every byte of such records changed.
    @Test func aFieldConfirmedByItsHeadIsTheFieldReadInFull() throws {
        var rng = SplitMix(seed: 0x4ead)
        var confirmed = 0
        for length in 0..<40 {
            let name = (0..<length).map { UInt8(0x61 + $0 % 26) }
            for numeric in [true, false] {
                let head = try #require(RecordLayout.head(name: name, numeric: numeric))
                let value = numeric ? Self.double(2, Double(length) + 0.5) : Self.text(String(repeating: "c", count: length % 7))
                let clean = Self.delimited(1, Self.delimited(1, name) + value) + Self.field(Self.name("z"))
                for trial in 0..<30 {
                    var b = clean
                    if trial > 0 {
                        let i = Int(rng.next() % UInt64(b.count))
                        if rng.next() % 2 == 0 { b[i] = UInt8(truncatingIfNeeded: rng.next()) } else { b[i] ^= 1 << (rng.next() % 8) }
                    }
                    b.withUnsafeBufferPointer { bytes in
                        head.withUnsafeBufferPointer { h in
                            var byHead = RecordScanner(bytes), inFull = RecordScanner(bytes)
                            let step = inFull.next()
                            guard let kind = byHead.next(head: h.baseAddress!, count: h.count) else {
                                // Unmoved: the next field read is the first one.
                                let again = byHead.next()
                                #expect(Self.describe(again) == Self.describe(step), "length \(length), trial \(trial)")
                                return
                            }
                            confirmed += 1
                            guard case let .field(f) = step else { Issue.record("confirmed a field next() does not read"); return }
                            #expect(Array(f.name) == name && Self.describe(f.name, kind) == Self.describe(step))
                            #expect(Self.describe(byHead.next()) == Self.describe(inFull.next()), "the scanners part after the field")
                        }
                    }
                }
            }
        }
        #expect(confirmed > 80 * 5)
        // Heads of names too long for a one-byte field length do not exist.
        #expect(RecordLayout.head(name: [UInt8](repeating: 0x61, count: 116), numeric: true) != nil)
        #expect(RecordLayout.head(name: [UInt8](repeating: 0x61, count: 117), numeric: true) == nil)
        #expect(RecordLayout.head(name: [UInt8](repeating: 0x61, count: 123), numeric: false) != nil)
        #expect(RecordLayout.head(name: [UInt8](repeating: 0x61, count: 124), numeric: false) == nil)
    }

    /// `ByteComparison.equal` (which confirms heads and categories) against a byte-by-byte
    /// comparison, for every length up to 48 and a difference at every position.
    @Test func byteComparisonFindsEveryDifference() {
        for count in 1...48 {
            let a = (0..<count).map { UInt8($0 * 7 % 251) }
            a.withUnsafeBufferPointer { x in
                let copy = a.map { $0 }   // equal bytes elsewhere in memory
                copy.withUnsafeBufferPointer { y in #expect(ByteComparison.equal(x.baseAddress!, y.baseAddress!, count: count)) }
                for i in 0..<count {
                    var b = a
                    b[i] ^= 0x20
                    b.withUnsafeBufferPointer { y in #expect(!ByteComparison.equal(x.baseAddress!, y.baseAddress!, count: count), "length \(count), byte \(i)") }
                }
            }
        }
    }

    static func describe(_ name: UnsafeBufferPointer<UInt8>, _ kind: RawFieldView.Kind) -> String {
        switch kind {
        case let .number(x): return "field \(Array(name)) number \(x.bitPattern)"
        case let .text(t): return "field \(Array(name)) text \(Array(t))"
        case .missing: return "field \(Array(name)) missing"
        }
    }

    static func describe(_ step: RecordScanner.Step) -> String {
        switch step {
        case let .field(f): return describe(f.name, f.kind)
        case .end: return "end"
        case .malformed: return "malformed"
        case .declined: return "declined"
        }
    }

    /// Real requests, as `grove frame` and the clients write them, read the same through the
    /// twin and the scanner as through protobuf-c's real messages; and the top-level shapes the
    /// twin would read differently are left to the ordinary path.
    @Test func requestShapes() throws {
        let record = Self.field(Self.name("a"), Self.double(2, 1))
        let predict = Self.delimited(13, Self.delimited(1, Self.delimited(1, Array("m".utf8))) + Self.delimited(3, record))
        let single = Self.tag(1, 0) + [7] + predict
        #expect(single.withUnsafeBytes { RequestShape.isSinglePredict($0) })
        #expect(!(single + predict).withUnsafeBytes { RequestShape.isSinglePredict($0) }, "two predicts")
        #expect(!(Self.delimited(10, []) + predict).withUnsafeBytes { RequestShape.isSinglePredict($0) }, "another call first")
        #expect(!(single + Self.tag(99, 0) + [0]).withUnsafeBytes { RequestShape.isSinglePredict($0) }, "an unknown field")
        #expect(!(Self.tag(1, 0) + [7]).withUnsafeBytes { RequestShape.isSinglePredict($0) }, "no predict")
        #expect(!(single + [0x08]).withUnsafeBytes { RequestShape.isSinglePredict($0) }, "cut short")
        // One explain call (the Explain hot path), and nothing else.
        let explain = Self.tag(1, 0) + [7] + Self.delimited(15, Self.delimited(1, Self.delimited(1, Array("m".utf8))))
        #expect(explain.withUnsafeBytes { RequestShape.isSingleExplain($0) })
        #expect(!single.withUnsafeBytes { RequestShape.isSingleExplain($0) }, "a predict")
        #expect(!(explain + predict).withUnsafeBytes { RequestShape.isSingleExplain($0) }, "explain and predict")
        #expect(!(explain + predict).withUnsafeBytes { RequestShape.isSinglePredict($0) }, "explain and predict")
        _ = try Self.checked(single)
        // A malformed record inside a well-shaped request: the twin decodes it, the scanner refuses it,
        // and the real Request is refused too.
        let bad = Self.delimited(13, Self.delimited(3, Self.delimited(1, Self.tag(2, 0) + [1])))
        #expect(bad.withUnsafeBytes { RequestShape.isSinglePredict($0) })
        _ = try Self.checked(bad)
    }
}
