// ConnectionStateMachine: a connection's decisions as values; the loop performs the effects.
//
// Inputs are facts with the time they happened (`now`, monotonic ns, injected
// so tests control the clock); outputs are `ConnectionAction`s. It owns no
// socket and no buffer, so every timeout and backpressure rule is testable
// without I/O (after Hummingbird's HTTPConnectionStateMachine).

enum ConnectionAction: Equatable {
    case none
    /// Stop watching for input (backpressure); output is still flushed.
    case stopReading
    /// Watch for input again.
    case resumeReading
    /// Watch for input again, and first answer the complete frames already buffered
    /// (read before reading stopped; no new readiness event will announce them).
    case resumeAndProcessBuffered
    /// Send what is queued, then close.
    case closeAfterFlush(CloseReason)
    /// Close at once; queued output is dropped (the peer is gone or hostile).
    case closeNow(CloseReason)
}

enum CloseReason: Equatable, CustomStringConvertible {
    case peerClosed
    case idleTimeout
    case frameDeadline
    case protocolError(String)
    case ioError(String)
    case draining
    case drainTimeout

    var description: String {
        switch self {
        case .peerClosed: return "peer closed"
        case .idleTimeout: return "idle timeout"
        case .frameDeadline: return "incomplete frame past its deadline (slow sender)"
        case let .protocolError(m): return "protocol error: \(m)"
        case let .ioError(m): return "I/O error: \(m)"
        case .draining: return "server draining"
        case .drainTimeout: return "drain timeout"
        }
    }
}

struct ConnectionStateMachine {
    enum State: Equatable {
        case open
        /// Reading stopped because output is backed up.
        case throttled
        /// No more input will be read; close once output is flushed.
        case closing(CloseReason)
        case closed
    }

    let limits: ConnectionLimits
    private(set) var state: State = .open
    private(set) var lastActivity: UInt64
    /// When the oldest byte of the incomplete frame in the input buffer arrived (or, after
    /// reading resumed from backpressure, when it resumed: bytes the server left unread while
    /// throttled were not the peer's delay).
    private(set) var partialFrameSince: UInt64?
    /// A frame was consumed since the last `didRead`: the incomplete frame now at the head of
    /// the input buffer is a new one.
    private var consumedFrameSinceRead = false
    private var drainDeadline: UInt64?
    /// Responses queued since the output buffer was last empty (in flight, for backpressure).
    private(set) var pendingResponses = 0
    /// The whole size of the frame at the head of the input buffer, when its header has
    /// arrived; nil when unknown (what the last frame decoding said).
    private(set) var awaitedFrameBytes: Int?

    init(limits: ConnectionLimits, now: UInt64) {
        self.limits = limits
        lastActivity = now
    }

    // Matched, not compared with `==`: the synthesized `==` of an enum with a payload copies
    // both sides (the loop asks these several times per request).
    var isReading: Bool { if case .open = state { return true } else { return false } }
    var isClosed: Bool { if case .closed = state { return true } else { return false } }

    /// A response to one request was queued for output.
    mutating func didQueueResponse() {
        pendingResponses += 1
        consumedFrameSinceRead = true
    }

    /// The frame decoder ran out of complete frames: `totalBytes` is the size of the partial
    /// frame at the head of the input buffer when its header is in, else nil.
    mutating func awaitingFrame(totalBytes: Int?) {
        awaitedFrameBytes = totalBytes
    }

    /// How much room the next read should have, with `buffered` bytes already in the input
    /// buffer: the rest of the awaited frame (at least 4 KiB), or 16 KiB when its size is
    /// not known yet. Decided from the last decoding, so the decoder runs once per read.
    func readSize(buffered: Int) -> Int {
        guard let total = awaitedFrameBytes else { return 16 * 1024 }
        return max(total - buffered, 4096)
    }

    /// Bytes were read and every complete frame processed. `leftoverBytes`
    /// is what remains buffered (a partial frame) and `pendingBytes` the output queued.
    /// The frame deadline runs from the first byte of the frame left incomplete: a peer that
    /// pipelines, so that every read ends inside a frame, is not slow as long as frames complete.
    mutating func didRead(now: UInt64, leftoverBytes: Int, pendingBytes: Int) -> ConnectionAction {
        lastActivity = now
        if leftoverBytes == 0 {
            partialFrameSince = nil
        } else if partialFrameSince == nil || consumedFrameSinceRead {
            partialFrameSince = now
        }
        consumedFrameSinceRead = false
        return checkBackpressure(pendingBytes: pendingBytes)
    }

    /// Output was written to the socket; `pendingBytes` is what is still queued and
    /// `bufferedInputBytes` what is waiting in the input buffer. An empty output buffer
    /// means every queued response left.
    mutating func didWrite(now: UInt64, pendingBytes: Int, bufferedInputBytes: Int) -> ConnectionAction {
        lastActivity = now
        if pendingBytes == 0 { pendingResponses = 0 }
        switch state {
        case let .closing(reason) where pendingBytes == 0:
            state = .closed
            return .closeNow(reason)
        case .throttled where pendingBytes <= limits.maxPendingOutputBytes / 2
                && pendingResponses <= limits.maxInFlightRequests / 2:
            state = .open
            if partialFrameSince != nil { partialFrameSince = now }
            return bufferedInputBytes > 0 ? .resumeAndProcessBuffered : .resumeReading
        default:
            return .none
        }
    }

    private mutating func checkBackpressure(pendingBytes: Int) -> ConnectionAction {
        guard state == .open else { return .none }
        if pendingBytes > limits.maxPendingOutputBytes || pendingResponses >= limits.maxInFlightRequests {
            state = .throttled
            return .stopReading
        }
        return .none
    }

    /// The peer closed its side or the socket failed.
    mutating func peerClosed(error: String? = nil) -> ConnectionAction {
        guard state != .closed else { return .none }
        state = .closed
        return .closeNow(error.map { .ioError($0) } ?? .peerClosed)
    }

    /// The peer closed its sending side; what it sent has been answered.
    mutating func peerFinished(pendingBytes: Int) -> ConnectionAction {
        beginClosing(.peerClosed, pendingBytes: pendingBytes)
    }

    /// A framing error: answer (already queued by the caller), then close.
    mutating func protocolError(_ message: String, pendingBytes: Int) -> ConnectionAction {
        beginClosing(.protocolError(message), pendingBytes: pendingBytes)
    }

    /// The server is shutting down: finish what was received, flush, close.
    mutating func drain(now: UInt64, pendingBytes: Int) -> ConnectionAction {
        drainDeadline = now &+ limits.drainTimeoutNanos
        return beginClosing(.draining, pendingBytes: pendingBytes)
    }

    private mutating func beginClosing(_ reason: CloseReason, pendingBytes: Int) -> ConnectionAction {
        switch state {
        case .closed, .closing: return .none
        default: break
        }
        if pendingBytes == 0 {
            state = .closed
            return .closeNow(reason)
        }
        state = .closing(reason)
        return .closeAfterFlush(reason)
    }

    /// Periodic check of the deadlines: the drain deadline while closing, the frame
    /// deadline while reading (not while throttled: then the server is not reading), and the
    /// idle timeout in all three (a peer that never reads would otherwise keep a throttled or
    /// closing connection alive).
    mutating func tick(now: UInt64) -> ConnectionAction {
        let deadline: CloseReason?
        switch state {
        case .closed:
            return .none
        case .closing:
            deadline = drainDeadline.map { now >= $0 } == true ? .drainTimeout : nil
        case .throttled:
            deadline = nil
        case .open:
            let slow = partialFrameSince.map { limits.frameDeadlineNanos > 0 && now &- $0 >= limits.frameDeadlineNanos } == true
            deadline = slow ? .frameDeadline : nil
        }
        let idle = limits.idleTimeoutNanos > 0 && now &- lastActivity >= limits.idleTimeoutNanos
        guard let reason = deadline ?? (idle ? .idleTimeout : nil) else { return .none }
        state = .closed
        return .closeNow(reason)
    }
}
