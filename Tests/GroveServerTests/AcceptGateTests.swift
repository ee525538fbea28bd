// AcceptGateTests: out of descriptors, a loop stops watching its listener for the pause and
// then watches it again (not while draining), on an injected clock.

import Glibc
import GroveSystem
import Testing
@testable import GroveServer

@Suite struct AcceptGateTests {
    @Test func outOfDescriptorsPausesThenResumes() {
        var g = AcceptGate()
        #expect(g.acceptFailed(Errno(rawValue: EMFILE), now: 1_000) == .stopWatching)
        #expect(g.isPaused)
        #expect(g.acceptFailed(Errno(rawValue: ENFILE), now: 2_000) == .none)   // already paused
        #expect(g.tick(now: 1_000 + AcceptGate.pauseNanos - 1, draining: false) == .none)
        #expect(g.tick(now: 1_000 + AcceptGate.pauseNanos, draining: false) == .watch)
        #expect(!g.isPaused)
        #expect(g.tick(now: 1_000 + 2 * AcceptGate.pauseNanos, draining: false) == .none)
    }

    @Test func otherErrorsDoNotPause() {
        var g = AcceptGate()
        #expect(g.acceptFailed(Errno(rawValue: ECONNABORTED), now: 0) == .none)
        #expect(!g.isPaused)
    }

    @Test func aDrainingLoopDoesNotWatchAgain() {
        var g = AcceptGate()
        #expect(g.acceptFailed(Errno(rawValue: ENFILE), now: 0) == .stopWatching)
        #expect(g.tick(now: AcceptGate.pauseNanos, draining: true) == .none)
        #expect(g.isPaused)
    }
}
