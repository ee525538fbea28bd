// ArenaTests: the bump allocator hands out aligned, disjoint memory across chunks, reuses its chunks after a reset,
// and refuses past its limit.

@testable import GroveWire
import Testing

@Suite struct ArenaTests {
    /// Allocations of mixed sizes, some larger than a chunk, never overlap and are 16-byte
    /// aligned; after a reset the same memory is handed out again (nothing new allocated).
    @Test func allocationsAreAlignedDisjointAndReusedAfterReset() throws {
        let arena = Arena(chunkSize: 256)
        var first: [(Int, Int)] = []
        for round in 0..<3 {
            var spans: [(Int, Int)] = []
            for size in [1, 16, 17, 100, 300, 5, 255, 256, 40, 1000, 8, 8, 8] {
                let p = try #require(arena.allocate(byteCount: size))
                let start = Int(bitPattern: p)
                #expect(start % 16 == 0)
                p.initializeMemory(as: UInt8.self, repeating: UInt8(spans.count), count: size)
                spans.append((start, start + size))
            }
            let sorted = spans.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.1 <= b.0, "overlap in round \(round)") }
            #expect(arena.allocatedBytes == [1, 16, 17, 100, 300, 5, 255, 256, 40, 1000, 8, 8, 8].reduce(0) { $0 + max(16, ($1 + 15) / 16 * 16) })
            if round == 0 { first = spans } else { #expect(spans.map(\.0).prefix(4) == first.map(\.0).prefix(4)) }
            arena.reset()
            #expect(arena.allocatedBytes == 0)
        }
    }

    @Test func pastItsLimitAnAllocationIsRefusedUntilReset() {
        let arena = Arena(chunkSize: 64, limit: 128)
        #expect(arena.allocate(byteCount: 100) != nil)
        #expect(arena.allocate(byteCount: 32) == nil)
        #expect(arena.exhausted)
        #expect(arena.allocate(byteCount: 16) != nil)   // still within the limit
        arena.reset()
        #expect(!arena.exhausted && arena.allocate(byteCount: 128) != nil)
    }
}
