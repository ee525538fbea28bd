// ConnectionStateMachineTests: timeouts, backpressure and closing, on an injected clock.

import Testing
@testable import GroveServer

@Suite struct ConnectionStateMachineTests {
    static let second: UInt64 = 1_000_000_000

    func limits() -> ConnectionLimits {
        var l = ConnectionLimits()
        l.idleTimeoutNanos = 30 * Self.second
        l.frameDeadlineNanos = 5 * Self.second
        l.maxPendingOutputBytes = 1000
        l.maxInFlightRequests = 10
        l.drainTimeoutNanos = 2 * Self.second
        return l
    }

    @Test func idleConnectionClosesAtTheTimeoutNotBefore() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.tick(now: 29 * Self.second) == .none)
        _ = m.didRead(now: 29 * Self.second, leftoverBytes: 0, pendingBytes: 0)
        #expect(m.tick(now: 58 * Self.second) == .none)
        #expect(m.tick(now: 59 * Self.second) == .closeNow(.idleTimeout))
        #expect(m.isClosed)
    }

    @Test func slowSenderIsCutOffAtTheFrameDeadlineEvenWhileDribbling() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        // First byte of a frame at t=1s, then one byte a second: still incomplete.
        for t in 1...5 {
            _ = m.didRead(now: UInt64(t) * Self.second, leftoverBytes: t, pendingBytes: 0)
            if t < 5 { #expect(m.tick(now: UInt64(t) * Self.second) == .none) }
        }
        #expect(m.tick(now: 6 * Self.second) == .closeNow(.frameDeadline))
    }

    @Test func completingTheFrameResetsItsDeadline() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        _ = m.didRead(now: 1 * Self.second, leftoverBytes: 3, pendingBytes: 0)
        _ = m.didRead(now: 4 * Self.second, leftoverBytes: 0, pendingBytes: 0)
        #expect(m.tick(now: 10 * Self.second) == .none)
        #expect(m.partialFrameSince == nil)
    }

    /// A pipelining peer whose every read ends inside a frame is not slow while frames keep
    /// completing: the deadline runs from the first byte of the frame left incomplete.
    @Test func aPipelinedStreamThatKeepsCompletingFramesIsNotCutOff() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        for t in 1...20 {
            m.didQueueResponse()   // a frame completed in this read...
            _ = m.didRead(now: UInt64(t) * Self.second, leftoverBytes: 100, pendingBytes: 0)   // ...the next one began
            _ = m.didWrite(now: UInt64(t) * Self.second, pendingBytes: 0, bufferedInputBytes: 100)
            #expect(m.tick(now: UInt64(t) * Self.second + Self.second / 2) == .none, "t = \(t)")
        }
        // Then no frame completes: the one left incomplete at 20 s is cut off at 25 s.
        _ = m.didRead(now: 21 * Self.second, leftoverBytes: 150, pendingBytes: 0)
        #expect(m.tick(now: 24 * Self.second) == .none)
        #expect(m.tick(now: 25 * Self.second) == .closeNow(.frameDeadline))
    }

    /// While throttled the server reads nothing, so a frame left incomplete is not the peer's
    /// delay: no frame deadline then, and it restarts when reading resumes.
    @Test func theFrameDeadlineWaitsWhileThrottled() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.didRead(now: 1 * Self.second, leftoverBytes: 200, pendingBytes: 2000) == .stopReading)
        #expect(m.tick(now: 20 * Self.second) == .none)
        #expect(m.didWrite(now: 20 * Self.second, pendingBytes: 0, bufferedInputBytes: 200) == .resumeAndProcessBuffered)
        #expect(m.partialFrameSince == 20 * Self.second)
        #expect(m.tick(now: 24 * Self.second) == .none)
        #expect(m.tick(now: 25 * Self.second) == .closeNow(.frameDeadline))
    }

    @Test func backpressureStopsAndResumesReading() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        m.didQueueResponse()
        #expect(m.didRead(now: 1, leftoverBytes: 0, pendingBytes: 1000) == .none)
        #expect(m.didRead(now: 2, leftoverBytes: 0, pendingBytes: 1001) == .stopReading)
        #expect(!m.isReading)
        #expect(m.didWrite(now: 3, pendingBytes: 600, bufferedInputBytes: 0) == .none)
        #expect(m.didWrite(now: 4, pendingBytes: 500, bufferedInputBytes: 0) == .resumeReading)
        #expect(m.isReading)
        for _ in 0..<9 { m.didQueueResponse() }
        #expect(m.didRead(now: 5, leftoverBytes: 0, pendingBytes: 10) == .stopReading)
    }

    @Test func inFlightResponsesCountUntilTheOutputEmpties() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        for _ in 0..<10 { m.didQueueResponse() }
        #expect(m.pendingResponses == 10)
        #expect(m.didRead(now: 1, leftoverBytes: 0, pendingBytes: 10) == .stopReading)
        // Some bytes left: the responses are still in flight (at most half may be to resume).
        #expect(m.didWrite(now: 2, pendingBytes: 5, bufferedInputBytes: 0) == .none)
        #expect(m.pendingResponses == 10)
        // The output emptied: every response left, the count restarts and reading resumes.
        #expect(m.didWrite(now: 3, pendingBytes: 0, bufferedInputBytes: 0) == .resumeReading)
        #expect(m.pendingResponses == 0)
        #expect(m.didRead(now: 4, leftoverBytes: 0, pendingBytes: 0) == .none)
    }

    @Test func resumingWithBufferedInputAnswersItFirst() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.didRead(now: 1, leftoverBytes: 200, pendingBytes: 2000) == .stopReading)
        // Frames read before reading stopped are still buffered: no readiness event will come for them.
        #expect(m.didWrite(now: 2, pendingBytes: 0, bufferedInputBytes: 200) == .resumeAndProcessBuffered)
    }

    @Test func readSizeFollowsTheAwaitedFrame() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.readSize(buffered: 0) == 16 * 1024)            // nothing known yet
        m.awaitingFrame(totalBytes: 100_000)
        #expect(m.readSize(buffered: 30_000) == 70_000)          // the rest of the frame
        #expect(m.readSize(buffered: 99_000) == 4096)            // at least 4 KiB
        m.awaitingFrame(totalBytes: nil)
        #expect(m.readSize(buffered: 3) == 16 * 1024)            // header incomplete
    }

    @Test func protocolErrorFlushesThenCloses() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.protocolError("bad", pendingBytes: 40) == .closeAfterFlush(.protocolError("bad")))
        #expect(!m.isReading)
        #expect(m.didWrite(now: 1, pendingBytes: 10, bufferedInputBytes: 0) == .none)
        #expect(m.didWrite(now: 2, pendingBytes: 0, bufferedInputBytes: 0) == .closeNow(.protocolError("bad")))
        #expect(m.isClosed)
    }

    @Test func drainClosesAtOnceWhenNothingIsPending() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.drain(now: 0, pendingBytes: 0) == .closeNow(.draining))
    }

    @Test func drainGivesUpOnAPeerThatNeverReads() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.drain(now: 10, pendingBytes: 5000) == .closeAfterFlush(.draining))
        #expect(m.tick(now: 10 + Self.second) == .none)
        #expect(m.tick(now: 10 + 2 * Self.second) == .closeNow(.drainTimeout))
    }

    @Test func peerCloseIsFinal() {
        var m = ConnectionStateMachine(limits: limits(), now: 0)
        #expect(m.peerClosed() == .closeNow(.peerClosed))
        #expect(m.peerClosed() == .none)
        #expect(m.tick(now: 100 * Self.second) == .none)
    }
}
