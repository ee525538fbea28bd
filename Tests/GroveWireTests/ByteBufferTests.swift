// ByteBufferTests: growth, compaction and consumption keep bytes in order.

import Testing
@testable import GroveWire

@Suite struct ByteBufferTests {
    @Test func writesConsumesAndCompacts() {
        let b = ByteBuffer(capacity: 64)
        var model: [UInt8] = []
        var next: UInt8 = 0
        for step in 0..<500 {
            let n = (step * 7) % 50 + 1
            let chunk = (0..<n).map { _ in next &+= 1; return next }
            b.write(chunk)
            model += chunk
            let take = min(model.count, (step * 13) % 60)
            b.consume(take)
            model.removeFirst(take)
            #expect(Array(b.readableView) == model)
        }
        #expect(b.capacity < 1024)
    }

    @Test func writeWithUnsafeMutableBytesCommitsWhatIsReported() {
        let b = ByteBuffer(capacity: 64)
        let n = b.writeWithUnsafeMutableBytes(minimum: 1000) { raw in
            #expect(raw.count >= 1000)
            for i in 0..<10 { raw[i] = UInt8(i) }
            return 10
        }
        #expect(n == 10)
        #expect(Array(b.readableView) == Array(0..<10))
    }
}
