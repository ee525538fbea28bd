// SlotTokenTests: connection tokens round-trip, never collide with the reserved sources,
// and tell a reused slot's generations apart.

import Testing
@testable import GroveServer

@Suite struct SlotTokenTests {
    @Test func slotAndGenerationRoundTrip() {
        for (slot, generation) in [(0, UInt32(1)), (1, 2), (65_535, 7), (1 << 31, .max)] {
            let t = SlotToken(slot: slot, generation: generation)
            #expect(t.slot == slot)
            #expect(t.generation == generation)
            #expect(SlotToken(rawValue: t.rawValue) == t)
        }
    }

    @Test func reservedSourcesAreNotSlots() {
        for t in [SlotToken.wake, .listener, .signal] {
            #expect(t.slot == nil)
        }
        #expect(Set([SlotToken.wake, .listener, .signal]).count == 3)
        #expect(SlotToken(slot: 0, generation: 0) != .wake && SlotToken(slot: 0, generation: 0).slot == 0)
    }

    @Test func aReusedSlotGetsADifferentToken() {
        let old = SlotToken(slot: 3, generation: 1), new = SlotToken(slot: 3, generation: 2)
        #expect(old != new)
        #expect(old.slot == new.slot)
    }
}
