// FrameDecoderTests: the three outcomes, split frames, many frames, bad lengths, garbage bodies.

import Testing
@testable import GroveWire

@Suite struct FrameDecoderTests {
    let decoder = FrameDecoder(limits: FrameLimits(maxFrameBytes: 1024))

    /// Feeds `stream` one chunk at a time and collects the frames' bodies.
    func frames(in stream: [UInt8], chunk: Int) -> ([[UInt8]], FrameError?) {
        let buffer = ByteBuffer(capacity: 64)
        var out: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunk, stream.count)
            stream[offset..<end].withUnsafeBytes { buffer.write($0) }
            offset = end
            loop: while true {
                switch decoder.decode(buffer.readableView) {
                case .needMoreData: break loop
                case let .frame(body):
                    out.append(Array(buffer.readableView[body]))
                    buffer.consume(body.upperBound)
                case let .error(e): return (out, e)
                }
            }
        }
        #expect(buffer.isEmpty)
        return (out, nil)
    }

    @Test func needsMoreDataUntilHeaderAndBodyArrive() {
        let frame: [UInt8] = [0, 0, 0, 3, 0xa, 0xb, 0xc]
        for cut in 0..<frame.count {
            let result = decoder.decode(Array(frame[..<cut]))
            #expect(result == .needMoreData(totalBytes: cut < 4 ? nil : 7))
        }
        #expect(decoder.decode(frame) == .frame(body: 4..<7))
    }

    @Test func aRequestSplitAtEveryOffsetDecodesTheSame() throws {
        let frame = Request(id: 77, call: .predict(PredictRequest(model: ModelSelector(name: "m"), dense: [1, 2, 3]))).framed()
        for split in 1..<frame.count {
            let buffer = ByteBuffer(capacity: 64)
            frame[..<split].withUnsafeBytes { buffer.write($0) }
            if case .frame = decoder.decode(buffer.readableView) { Issue.record("frame before all bytes at \(split)") }
            frame[split...].withUnsafeBytes { buffer.write($0) }
            guard case let .frame(body) = decoder.decode(buffer.readableView) else {
                Issue.record("no frame after all bytes at split \(split)"); continue
            }
            let request = try Request(decoding: UnsafeRawBufferPointer(rebasing: buffer.readableView[body]), arena: Arena())
            #expect(request.id == 77)
        }
    }

    @Test func manyFramesInOneBufferAtAnyChunkSize() {
        var stream: [UInt8] = []
        var expected: [[UInt8]] = []
        for i in 1...100 {
            let body = [UInt8](repeating: UInt8(i), count: i)
            expected.append(body)
            stream += FrameEncoder.frame(body)
        }
        for chunk in [1, 3, 7, 64, 1000, stream.count] {
            let (got, error) = frames(in: stream, chunk: chunk)
            #expect(error == nil)
            #expect(got == expected, "chunk \(chunk)")
        }
    }

    @Test func zeroLengthIsAnError() {
        #expect(decoder.decode([0, 0, 0, 0]) == .error(.zeroLength))
        #expect(decoder.decode([0, 0, 0, 0, 1, 2, 3]) == .error(.zeroLength))
    }

    @Test func oversizedLengthIsRefusedFromTheHeaderAlone() {
        #expect(decoder.decode([0, 0, 4, 1]) == .error(.tooLarge(length: 1025, maximum: 1024)))
        #expect(decoder.decode([0xff, 0xff, 0xff, 0xff]) == .error(.tooLarge(length: 4_294_967_295, maximum: 1024)))
        // The maximum itself is fine.
        #expect(decoder.decode([0, 0, 4, 0]) == .needMoreData(totalBytes: 1028))
    }

    @Test func errorAfterGoodFramesKeepsTheGoodOnes() {
        let stream = FrameEncoder.frame([1]) + FrameEncoder.frame([2, 2]) + [0, 0, 0, 0]
        let (got, error) = frames(in: stream, chunk: 2)
        #expect(got == [[1], [2, 2]])
        #expect(error == .zeroLength)
    }

    @Test func garbageBodiesAreTypedErrorsNotCrashes() {
        let garbage: [[UInt8]] = [
            [0xff],                                   // truncated varint key
            [0x08],                                   // key without value
            [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // 11-byte varint
            [0x6a, 0x05, 0x0a],                       // length past the end
            [0x6a, 0xff, 0xff, 0xff, 0xff, 0x0f],     // huge length
            [0x12, 0x02, 0x08],                       // api_key declared 2 bytes, 1 present
            [0x0f],                                   // wire type 7 (invalid)
            [0x6a, 0x03, 0x12, 0x09, 0x00],           // packed doubles with 9 bytes? cut short
        ]
        for body in garbage {
            #expect(throws: MessageDecodeError.invalid(message: "Request"), "\(hex(body))") {
                try Request(decoding: body)
            }
        }
    }

    @Test func randomBytesNeverCrashTheDecoders() {
        var rng = SystemRandomNumberGenerator()
        let arena = Arena()
        for _ in 0..<5_000 {
            let n = Int.random(in: 1...64, using: &rng)
            let body = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = body.withUnsafeBytes { try? Request(decoding: $0, arena: arena) }
            _ = body.withUnsafeBytes { try? Response(decoding: $0, arena: arena) }
        }
    }

    @Test func arenaLimitTurnsExpansionIntoTypedError() {
        // 2,000 empty records: 4 bytes of wire each, far more in C structs.
        let request = Request(id: 1, call: .predict(PredictRequest(
            model: ModelSelector(name: "m"), records: Array(repeating: RawRecord([RawField("a", .missing)]), count: 2_000))))
        let body = request.encoded()
        let small = Arena(chunkSize: 4096, limit: 16 * 1024)
        #expect(throws: MessageDecodeError.tooComplex(message: "Request", limit: 16 * 1024)) {
            _ = try body.withUnsafeBytes { try Request(decoding: $0, arena: small) }
        }
        // The same arena then decodes a small request fine.
        let ok = Request(id: 2, call: .health).encoded()
        #expect((try? ok.withUnsafeBytes { try Request(decoding: $0, arena: small) })?.id == 2)
    }
}
