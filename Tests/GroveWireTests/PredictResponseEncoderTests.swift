// PredictResponseEncoderTests: the hand-written predict answer is protobuf-c's pack, byte for byte.

import Foundation
import Testing
@testable import GroveWire

@Suite struct PredictResponseEncoderTests {
    /// Both writers' frames for one answer.
    static func frames(id: UInt64, name: String, version: UInt64, rows: Int, numClasses: Int,
                       probabilities: [Double], classIndex: [UInt32], values: [Double]) -> (hand: [UInt8], protobufC: [UInt8]) {
        let hand = ByteBuffer(capacity: 64), reference = ByteBuffer(capacity: 64)
        // Written after something already in the buffer, as the loop appends answers.
        hand.write([0xee]); reference.write([0xee])
        name.withCString { n in
            probabilities.withUnsafeBufferPointer { p in
                classIndex.withUnsafeBufferPointer { c in
                    values.withUnsafeBufferPointer { v in
                        PredictResponseEncoder.write(id: id, modelName: n, version: version, rows: rows, numClasses: numClasses,
                                                     probabilities: p, classIndex: c, values: v, into: hand)
                        PredictResponseWriter.writeWithProtobufC(id: id, modelName: n, version: version, rows: rows, numClasses: numClasses,
                                                                 probabilities: p, classIndex: c, values: v, into: reference)
                    }
                }
            }
        }
        return (Array(hand.readableView), Array(reference.readableView))
    }

    /// The golden predict answer (protoc's bytes, GoldenBytesTests) comes out of the hand encoder.
    @Test func theGoldenAnswer() {
        let (hand, _) = Self.frames(id: 3, name: "m", version: 2, rows: 1, numClasses: 2, probabilities: [0.25, 0.75], classIndex: [1], values: [])
        #expect(hex(Array(hand.dropFirst(5))) == "080312006a1e0a016d1002180120022a10000000000000d03f000000000000e83f320101")
        #expect(Array(hand[1..<5]) == [0, 0, 0, 36])
    }

    /// Thousands of answers with every varint length (ids, versions, lengths, class indices),
    /// zeros left out, names from empty to 300 bytes, arrays from empty to 40 values, special
    /// doubles: the same bytes as protobuf-c.
    @Test func manyAnswersAreProtobufCsBytes() {
        var rng = SplitMix(seed: 0x5eed)
        let specials: [Double] = [.nan, -.nan, Double(bitPattern: 0x7ff8_dead_0000_0001), -0.0, 0, .infinity, -.infinity,
                                  .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1, 0.5]
        func varintish() -> UInt64 {
            switch rng.next() % 5 {
            case 0: return 0
            case 1: return rng.next() % 128
            case 2: return rng.next() % 20_000
            case 3: return rng.next() >> (rng.next() % 64)
            default: return rng.next()
            }
        }
        func doubles(_ n: Int) -> [Double] {
            (0..<n).map { _ in rng.next() % 4 == 0 ? specials[Int(rng.next() % UInt64(specials.count))] : Double(bitPattern: rng.next()) }
        }
        var checked = 0
        for _ in 0..<3000 {
            let nameLength = [0, 1, 13, 127, 128, 300][Int(rng.next() % 6)]
            let name = String((0..<nameLength).map { _ in Character(UnicodeScalar(UInt8(97 + rng.next() % 26))) })
            let regression = rng.next() % 3 == 0
            let n = Int(rng.next() % 41)
            let rows = Int(varintish() & 0xffff_ffff), classes = Int(varintish() & 0xffff_ffff)
            let (hand, reference) = Self.frames(
                id: varintish(), name: name, version: varintish(), rows: rows, numClasses: regression ? 0 : classes,
                probabilities: regression || rng.next() % 4 == 0 ? [] : doubles(n),
                classIndex: regression ? [] : (0..<Int(rng.next() % 20)).map { _ in UInt32(truncatingIfNeeded: varintish()) },
                values: regression ? doubles(n) : [])
            #expect(hand == reference)
            if hand == reference { checked += 1 }
        }
        #expect(checked == 3000)
    }

    /// A name holding a NUL is read up to it, as protobuf-c's strlen does.
    /// Packed arrays long enough for a three-byte length (16 KiB and more: a batch answer of
    /// 1,024 two-class rows or more) and a four-byte one: the same bytes as protobuf-c.
    @Test func longPackedArraysAreProtobufCsBytes() {
        var rng = SplitMix(seed: 0x10ad)
        for rows in [1_023, 1_024, 3_000, 20_000, 300_000] {
            let probabilities = (0..<(2 * rows)).map { _ in Double(rng.next() % 1000) / 1000 }
            let classIndex = (0..<rows).map { _ in UInt32(rng.next() % 300) }
            let (hand, reference) = Self.frames(id: 9, name: "m", version: 1, rows: rows, numClasses: 2,
                                                probabilities: probabilities, classIndex: classIndex, values: [])
            #expect(hand == reference, "classifier, \(rows) rows")
            let (handR, referenceR) = Self.frames(id: 9, name: "m", version: 1, rows: rows, numClasses: 0,
                                                  probabilities: [], classIndex: [], values: probabilities)
            #expect(handR == referenceR, "regression, \(2 * rows) values")
        }
    }

    @Test func aNameIsReadUpToItsFirstNul() {
        let (hand, reference) = Self.frames(id: 1, name: "ab\u{0}cd", version: 1, rows: 1, numClasses: 0, probabilities: [], classIndex: [], values: [2])
        #expect(hand == reference)
        #expect(hand.count == 5 + 2 + 2 + 2 + 4 + 2 + 2 + 10)
    }

    /// Answers with inline reasons (rows without reasons, texts from empty to 300 bytes, texts
    /// holding a NUL, contributions of every bit pattern, 0 and -0 included, with and without an
    /// explained class): the same bytes as protobuf-c, and a buffer reused for the next answer.
    @Test func answersWithReasonsAreProtobufCsBytes() {
        var rng = SplitMix(seed: 0xea50)
        let specials: [Double] = [0, -0.0, .nan, .infinity, .leastNonzeroMagnitude, 0.041, 1e-300]
        func text() -> String {
            // Now and then a text of 20,000 bytes: its length, and its reason's, take three-byte varints.
            let length = rng.next() % 200 == 0 ? 20_000 : [0, 0, 1, 9, 127, 128, 300][Int(rng.next() % 7)]
            var s = String((0..<length).map { _ in Character(UnicodeScalar(UInt8(97 + rng.next() % 26))) })
            if length > 2 && rng.next() % 5 == 0 { s.insert("\u{0}", at: s.index(s.startIndex, offsetBy: length / 2)) }
            if length > 0 && rng.next() % 7 == 0 { s += "é€" }
            return s
        }
        let buffer = ReasonListBuffer()
        var checked = 0
        for _ in 0..<2000 {
            let rows = 1 + Int(rng.next() % 3), most = Int(rng.next() % 5)
            buffer.start(rows: rows, reasonsPerRow: most)
            for _ in 0..<rows {
                buffer.beginRow()
                for _ in 0..<Int(rng.next() % UInt64(most + 1)) {
                    let c = rng.next() % 3 == 0 ? specials[Int(rng.next() % UInt64(specials.count))] : Double(bitPattern: rng.next())
                    buffer.append(column: text(), contribution: c, value: text(), code: text(), text: text())
                }
            }
            if rng.next() % 3 != 0 { buffer.setExplainedClass(text()) }
            let values = (0..<rows).map { _ in Double(bitPattern: rng.next()) }
            let hand = ByteBuffer(capacity: 64), reference = ByteBuffer(capacity: 64)
            hand.write([0xee]); reference.write([0xee])
            let id = rng.next() % 300
            "model".withCString { n in
                values.withUnsafeBufferPointer { v in
                    let none = UnsafeBufferPointer<UInt32>(start: nil, count: 0)
                    PredictResponseEncoder.write(id: id, modelName: n, version: 7, rows: rows, numClasses: 0,
                                                 probabilities: UnsafeBufferPointer(start: nil, count: 0), classIndex: none, values: v,
                                                 reasons: buffer, into: hand)
                    PredictResponseWriter.writeWithProtobufC(id: id, modelName: n, version: 7, rows: rows, numClasses: 0,
                                                             probabilities: UnsafeBufferPointer(start: nil, count: 0), classIndex: none,
                                                             values: v, reasons: buffer, into: reference)
                }
            }
            let a = Array(hand.readableView), b = Array(reference.readableView)
            #expect(a == b)
            if a == b { checked += 1 }
        }
        #expect(checked == 2000)
    }

    /// The hot path's answers, as the server writes them (through `PredictResponseWriter.write`
    /// without reasons), decode to what was written.
    @Test func theServersAnswerDecodes() throws {
        let out = ByteBuffer(capacity: 64)
        "german_credit".withCString { n in
            [0.3, 0.7].withUnsafeBufferPointer { p in
                [UInt32(1)].withUnsafeBufferPointer { c in
                    PredictResponseWriter.write(id: 42, modelName: n, version: 3, rows: 1, numClasses: 2, probabilities: p, classIndex: c,
                                                values: UnsafeBufferPointer(start: nil, count: 0), into: out)
                }
            }
        }
        let response = try Response(decoding: Array(out.readableView.dropFirst(4)))
        #expect(response == Response(id: 42, result: .predict(PredictResponse(model: "german_credit", version: 3, rows: 1, numClasses: 2,
                                                                               probabilities: [0.3, 0.7], classIndex: [1]))))
    }
}

/// A small deterministic generator (SplitMix64) for the tests' random answers.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
