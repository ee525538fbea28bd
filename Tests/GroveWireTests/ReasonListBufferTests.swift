// ReasonListBufferTests: inline reasons packed from loop-owned buffers decode as the ordinary message says.

import GroveWire
import Testing

@Suite struct ReasonListBufferTests {
    /// Packs a one-row answer with `fill` applied to the reasons buffer and decodes it.
    private func packed(_ fill: (ReasonListBuffer) -> Void) throws -> PredictResponse? {
        let reasons = ReasonListBuffer()
        reasons.start(rows: 2, reasonsPerRow: 2)
        fill(reasons)
        let output = ByteBuffer()
        let values: [Double] = [1.5, -2]
        values.withUnsafeBufferPointer { v in
            PredictResponseWriter.write(id: 3, modelName: "m", version: 1, rows: 2, numClasses: 0,
                                        probabilities: UnsafeBufferPointer(start: nil, count: 0),
                                        classIndex: UnsafeBufferPointer(start: nil, count: 0), values: v, reasons: reasons, into: output)
        }
        let body = Array(output.readableView.dropFirst(4))
        guard case let .predict(p)? = try Response(decoding: body).result else { return nil }
        return p
    }

    /// A regression answer whose rows have no positive contribution copies no text at all.
    @Test func rowsWithoutReasonsAndNoClassPack() throws {
        let p = try #require(try packed { r in r.beginRow(); r.beginRow() })
        #expect(p.reasons == [[], []] && p.explainedClass.isEmpty && p.values == [1.5, -2])
    }

    /// Texts longer than the buffer's first size, and reuse after a larger answer.
    @Test func textsGrowAndAreCopied() throws {
        let long = String(repeating: "é", count: 300)
        let p = try #require(try packed { r in
            r.beginRow()
            r.append(column: "a", contribution: 0.5, value: long, code: "C1", text: "")
            r.append(column: "b", contribution: 0.25, value: "3", code: "", text: "words, with a comma")
            r.beginRow()
            r.setExplainedClass("bad")
        })
        #expect(p.reasons == [[ReasonCode(column: "a", contribution: 0.5, value: long, code: "C1", text: ""),
                               ReasonCode(column: "b", contribution: 0.25, value: "3", code: "", text: "words, with a comma")], []])
        #expect(p.explainedClass == "bad")
    }

    /// Reasons appended from bytes (the hot paths' `ReasonTexts`) pack as the same texts
    /// appended as Strings, long ones included.
    @Test func bytesPackAsStrings() throws {
        let long = String(repeating: "é", count: 300)
        let texts = [("a", long, "C1", ""), ("b", "3", "", "words, with a comma"), ("", "-0.5", "R", long)]
        let fromStrings = try #require(try packed { r in
            r.beginRow()
            for (i, t) in texts.prefix(2).enumerated() { r.append(column: t.0, contribution: Double(i) - 0.5, value: t.1, code: t.2, text: t.3) }
            r.beginRow()
            r.append(column: texts[2].0, contribution: 2, value: texts[2].1, code: texts[2].2, text: texts[2].3)
        })
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
        let fromBytes = try #require(try packed { r in
            func add(_ t: (String, String, String, String), _ contribution: Double) {
                let (c, v, k, w) = (bytes(t.0), bytes(t.1), bytes(t.2), bytes(t.3))
                c.withUnsafeBufferPointer { c in v.withUnsafeBufferPointer { v in k.withUnsafeBufferPointer { k in
                    w.withUnsafeBufferPointer { w in r.append(contribution: contribution, column: c, value: v, code: k, text: w) }
                } } }
            }
            r.beginRow()
            for (i, t) in texts.prefix(2).enumerated() { add(t, Double(i) - 0.5) }
            r.beginRow()
            add(texts[2], 2)
        })
        #expect(fromBytes == fromStrings)
        #expect(fromBytes.reasons[1] == [ReasonCode(column: "", contribution: 2, value: "-0.5", code: "R", text: long)])
    }
}
