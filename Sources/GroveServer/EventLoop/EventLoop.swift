// EventLoop: one thread, one epoll set; accepts, reads, dispatches and writes its own connections.
//
// One iteration (after Redis's aeProcessEvents):
//   1. wait for readiness, at most one tick;
//   2. for each event: wakeup -> run queued tasks; listener -> accept;
//      signal -> tell the server; connection -> read / write, checking the
//      token's generation first (an event may be stale: its connection was
//      closed earlier in the same batch and the slot reused);
//   3. every tick: check each connection's deadlines; let go of a replaced registry snapshot.
// A loop exits when it was told to stop, or when it is draining and has no
// connections left.

import CGroveSys
import Glibc
import GroveSystem
import GroveWire
import Logging

final class EventLoop {
    let index: Int
    private let epoll: Epoll
    private let wakeFD: FileDescriptor
    private var listener: FileDescriptor?
    private var signalFD: FileDescriptor?
    private let tasks = LoopTaskQueue()
    private unowned let server: Server
    private let dispatcher: Dispatcher
    private let limits: ConnectionLimits
    /// Copied from the server at init, so the request path never reaches through `server`
    /// (unowned, with a side table: each access is a reference-count round trip on a cache line
    /// every loop shares).
    private let frameDecoder: FrameDecoder
    private let tickMillis: CInt
    private var logger: Logger

    private var slots: [Connection?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private(set) var connectionCount = 0
    private var draining = false
    private var stopped = false
    private var acceptGate = AcceptGate()
    private var lastTick: UInt64 = 0
    /// Connections holding an audited answer until its record is durable (`auditProgressed`).
    private var awaitingAudit: [Connection] = []

    /// Reads per readiness event before moving on to other connections (fairness).
    private static let maxReadsPerEvent = 16
    /// Quiet time after which an idle connection's empty buffers are freed.
    private static let releaseBuffersAfterNanos: UInt64 = 2_000_000_000

    init(index: Int, server: Server, listener: FileDescriptor, signalFD: FileDescriptor?) throws(SystemCallError) {
        self.index = index
        self.server = server
        self.limits = server.configuration.connection
        self.frameDecoder = server.frameDecoder
        self.tickMillis = server.configuration.tickMillis
        self.dispatcher = Dispatcher(server: server, loopIndex: index)
        self.logger = server.logger
        logger[metadataKey: "loop"] = "\(index)"
        epoll = try Epoll()
        wakeFD = try Syscall.eventfd()
        try epoll.register(wakeFD, interest: .read, token: SlotToken.wake.rawValue)
        try epoll.register(listener, interest: .read, token: SlotToken.listener.rawValue)
        if let signalFD {
            try epoll.register(signalFD, interest: .read, token: SlotToken.signal.rawValue)
        }
        // Taken only once nothing can fail: the listener is then this loop's (`deinit` closes
        // it); a loop that failed to start leaves it to the caller. The signal descriptor stays
        // the server's.
        self.listener = listener
        self.signalFD = signalFD
    }

    deinit {
        for c in slots { if let c { epoll.deregister(c.fd); Syscall.close(c.fd) } }
        if let listener { Syscall.close(listener) }
        Syscall.close(wakeFD)
    }

    // MARK: - Cross-thread entry points

    /// Runs `task` on this loop's thread. Safe from any thread.
    func execute(_ task: @escaping LoopTaskQueue.Task) {
        if tasks.push(task) { Syscall.signalEventfd(wakeFD) }
    }

    /// Asks the loop to drain (`beginDrain` on its own thread). Safe from any thread.
    func requestDrain() {
        // Ownership rule: the task runs on this loop's thread, the only one touching its state.
        nonisolated(unsafe) let loop = self
        execute { loop.beginDrain() }
    }

    /// Asks the loop to send the audited answers whose records became durable
    /// (`auditProgressed` on its own thread). Safe from any thread.
    func requestAuditProgress() {
        nonisolated(unsafe) let loop = self
        execute { loop.auditProgressed() }
    }

    /// Asks the loop to stop (`stop` on its own thread). Safe from any thread.
    func requestStop() {
        nonisolated(unsafe) let loop = self
        execute { loop.stop() }
    }

    // MARK: - Thread confinement

    /// The thread running `run()`; set when it starts.
    private var owner: pthread_t?

    /// Debug builds check that loop state is touched only on the loop's own thread (as
    /// SwiftNIO's `assertInEventLoop`); release builds compile this away.
    @inline(__always)
    private func assertOnLoopThread(_ function: StaticString = #function) {
        assert(owner.map { pthread_equal($0, pthread_self()) != 0 } ?? true,
               "EventLoop \(index): \(function) called off the loop's thread")
    }

    // MARK: - The loop

    func run() {
        owner = pthread_self()
        lastTick = MonotonicClock.now()
        while !stopped {
            do {
                try epoll.wait(timeoutMillis: tickMillis) { event in handle(event) }
            } catch {
                logger.critical("event loop failed: \(error)")
                break
            }
            let now = MonotonicClock.now()
            if now &- lastTick >= UInt64(tickMillis) * 1_000_000 {
                lastTick = now
                tick(now: now)
            }
            if draining && connectionCount == 0 { break }
        }
        for i in slots.indices { if let c = slots[i] { close(c, reason: .draining) } }
        logger.debug("loop stopped")
    }

    private func handle(_ event: ReadyEvent) {
        let token = SlotToken(rawValue: event.token)
        switch token {
        case .wake:
            Syscall.drainEventfd(wakeFD)
            for task in tasks.takeAll() { task() }
        case .listener:
            acceptAll()
        case .signal:
            if let fd = signalFD { while let signal = Syscall.readSignal(fd) { server.handleSignal(signal) } }
        default:
            guard let c = connection(for: token) else { return }  // stale event
            if c.awaitingAudit != nil {
                // Not reading until the held answer goes out. A half-close (EPOLLRDHUP, e.g. `nc -N`
                // after its input) still wants its answers; EPOLLHUP/EPOLLERR mean the peer is gone
                // (its record is still written; there is no one left to answer).
                if event.closed { close(c, reason: .peerClosed) } else if event.writable { flush(c) }
                return
            }
            if event.readable || event.hangup, c.machine.isReading { readable(c) }
            guard connection(for: token) === c else { return }   // closed while reading
            if event.writable || !c.output.isEmpty { flush(c) }
            if event.hangup, connection(for: token) === c, !c.machine.isReading, c.output.isEmpty {
                // Peer gone while we were not reading (throttled or closing) and nothing left to send.
                close(c, reason: .peerClosed)
            }
        }
    }

    private func connection(for token: SlotToken) -> Connection? {
        guard let slot = token.slot, slot < slots.count, let c = slots[slot], c.token == token else { return nil }
        return c
    }

    // MARK: - Accepting

    private func acceptAll() {
        guard let listener, !draining else { return }
        for _ in 0..<64 {
            let accepted: (FileDescriptor, SocketAddress)
            do {
                switch try Syscall.accept(listener) {
                case .wouldBlock: return
                case let .processed(pair): accepted = pair
                }
            } catch {
                switch acceptGate.acceptFailed(error.errno, now: MonotonicClock.now()) {
                case .stopWatching:
                    // Out of descriptors: stop polling the listener for a while rather than spin.
                    logger.warning("accept: \(error.errno); pausing accepts for \(AcceptGate.pauseNanos / 1_000_000) ms")
                    epoll.deregister(listener)
                case .none, .watch:
                    logger.warning("accept: \(error)")
                }
                return
            }
            admit(fd: accepted.0, peer: accepted.1)
        }
    }

    private func admit(fd: FileDescriptor, peer: SocketAddress) {
        assertOnLoopThread()
        let counters = server.counters
        let open = counters.connectionsOpen.add(1, ordering: .relaxed).newValue
        if open > server.configuration.maxConnections {
            counters.connectionsOpen.subtract(1, ordering: .relaxed)
            refuse(fd: fd, .connectionLimit(server.configuration.maxConnections))
            return
        }
        counters.connectionsTotal.add(1, ordering: .relaxed)
        try? Syscall.setOption(fd, level: CInt(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slots.count
            slots.append(nil)
            generations.append(0)
        }
        generations[slot] &+= 1
        let token = SlotToken(slot: slot, generation: generations[slot])
        let c = Connection(fd: fd, token: token, peer: peer, limits: limits, now: MonotonicClock.now())
        do {
            try epoll.register(fd, interest: .read, token: token.rawValue)
        } catch {
            logger.warning("epoll register failed: \(error)")
            counters.connectionsOpen.subtract(1, ordering: .relaxed)
            Syscall.close(fd)
            freeSlots.append(slot)
            return
        }
        slots[slot] = c
        connectionCount += 1
        logger.trace("accepted \(peer)")
    }

    /// Answers a connection we will not serve with one error frame, then closes it.
    private func refuse(fd: FileDescriptor, _ status: Status) {
        dispatcher.counters.refusedConnection()
        let frame = Response.failure(id: 0, status).framed()
        _ = frame.withUnsafeBytes { try? Syscall.write(fd, $0) }
        Syscall.close(fd)
    }

    // MARK: - Reading and dispatch

    private enum ReadOutcome { case data, endOfFile, wouldBlock }

    /// Reads what the socket has (up to a fairness bound) and answers each complete frame.
    /// `drainAll`: read until the socket is empty (at shutdown), not just a fair share.
    private func readable(_ c: Connection, drainAll: Bool = false) {
        assertOnLoopThread()
        var sawEndOfFile = false
        for _ in 0..<(drainAll ? Int.max : EventLoop.maxReadsPerEvent) {
            let want = c.machine.readSize(buffered: c.input.readableBytes)
            var outcome = ReadOutcome.wouldBlock
            var drained = false
            do {
                _ = try c.input.writeWithUnsafeMutableBytes(minimum: want) { raw throws(SystemCallError) -> Int in
                    switch try Syscall.read(c.fd, raw) {
                    case let .processed(n):
                        outcome = n == 0 ? .endOfFile : .data
                        drained = n < raw.count
                        return n
                    case .wouldBlock:
                        return 0
                    }
                }
            } catch {
                apply(c.machine.peerClosed(error: "\(error)"), to: c)
                return
            }
            if outcome == .wouldBlock { break }
            if outcome == .endOfFile { sawEndOfFile = true } else { c.lastReadAt = MonotonicClock.now() }
            processFrames(c)
            if !c.machine.isReading || sawEndOfFile || c.awaitingAudit != nil { break }
            // A read that did not fill the space offered took all the socket held: stop here
            // rather than spend a system call on the EAGAIN that would follow (as the C echo
            // server does). Level-triggered epoll reports the socket again when more arrives,
            // or when the peer closes. At shutdown (`drainAll`), read until EAGAIN.
            if drained && !drainAll { break }
        }
        if c.machine.isClosed { return }
        if sawEndOfFile && c.awaitingAudit != nil {
            c.peerFinishedWhileAwaiting = true   // closed once the held answer is sent
            updateInterest(c)
            return
        }
        if sawEndOfFile {
            // The peer half-closed (nc after its input ends): answer what arrived, then close.
            apply(c.machine.peerFinished(pendingBytes: c.output.readableBytes), to: c)
            return
        }
        let action = c.machine.didRead(now: MonotonicClock.now(), leftoverBytes: c.input.readableBytes,
                                       pendingBytes: c.output.readableBytes)
        apply(action, to: c)
    }

    /// Answers every complete frame in the input buffer, in order.
    private func processFrames(_ c: Connection) {
        while !c.machine.isClosed && c.awaitingAudit == nil {
            switch frameDecoder.decode(c.input.readableView) {
            case let .needMoreData(total):
                c.machine.awaitingFrame(totalBytes: total)
                c.input.shrinkIfIdle(to: Connection.initialBufferBytes)
                return
            case let .frame(body):
                let frameBody = UnsafeRawBufferPointer(rebasing: c.input.readableView[body])
                let held = dispatcher.respond(to: frameBody, peer: c.peer, receivedAt: c.lastReadAt, into: c.output)
                c.machine.didQueueResponse()
                c.input.consume(body.upperBound)
                if let held {
                    c.awaitingAudit = held
                    awaitingAudit.append(c)
                    updateInterest(c)   // no reading (nor EPOLLRDHUP) until the answer goes out
                }
            case let .error(error):
                let code: StatusCode
                switch error {
                case .tooLarge:
                    code = .resourceExhausted
                    dispatcher.counters.rejected(.tooLarge)
                case .zeroLength:
                    code = .invalidArgument
                    dispatcher.counters.rejected(.empty)
                }
                Response.failure(id: 0, Status(code, "\(error)")).writeFrame(into: c.output, arena: dispatcher.responseArena)
                c.input.consume(c.input.readableBytes)
                apply(c.machine.protocolError("\(error)", pendingBytes: c.output.readableBytes), to: c)
                return
            }
        }
    }

    // MARK: - Writing

    private func flush(_ c: Connection) {
        assertOnLoopThread()
        while !c.output.isEmpty {
            let r: IOResult<Int>
            do {
                r = try Syscall.write(c.fd, c.output.readableView)
            } catch {
                apply(c.machine.peerClosed(error: "\(error)"), to: c)
                return
            }
            guard case let .processed(n) = r else { break }
            c.output.consume(n)
        }
        if c.output.isEmpty { c.output.shrinkIfIdle(to: Connection.initialBufferBytes) }
        apply(c.machine.didWrite(now: MonotonicClock.now(), pendingBytes: c.output.readableBytes,
                                 bufferedInputBytes: c.input.readableBytes), to: c)
        updateInterest(c)
    }

    private func updateInterest(_ c: Connection) {
        guard !c.machine.isClosed else { return }
        let want = c.desiredInterest
        if want != c.interest {
            c.interest = want
            try? epoll.modify(c.fd, interest: want, token: c.token.rawValue)
        }
    }

    // MARK: - Actions

    private func apply(_ action: ConnectionAction, to c: Connection) {
        switch action {
        case .none:
            break
        case .stopReading, .resumeReading:
            updateInterest(c)
        case .resumeAndProcessBuffered:
            updateInterest(c)
            processFrames(c)
        case .closeAfterFlush:
            if !c.output.isEmpty { flush(c) }
            updateInterest(c)
        case let .closeNow(reason):
            close(c, reason: reason)
        }
    }

    private func close(_ c: Connection, reason: CloseReason) {
        assertOnLoopThread()
        guard connection(for: c.token) === c else { return }
        guard let slot = c.token.slot else { return }
        epoll.deregister(c.fd)
        Syscall.close(c.fd)
        slots[slot] = nil
        freeSlots.append(slot)
        connectionCount -= 1
        server.counters.connectionsOpen.subtract(1, ordering: .relaxed)
        logger.trace("closed \(c.peer): \(reason)")
    }

    // MARK: - Audited answers

    /// The audit log made records durable (or failed): sends each held answer whose record is
    /// settled, then answers what the connection sent meanwhile (which may hold again).
    /// Runs on this loop's thread (the log's writer queues it on every loop).
    func auditProgressed() {
        assertOnLoopThread()
        let held = awaitingAudit
        awaitingAudit.removeAll(keepingCapacity: true)
        for c in held {
            guard connection(for: c.token) === c, let a = c.awaitingAudit else { continue }   // closed meanwhile
            guard dispatcher.finish(a, into: c.output) else { awaitingAudit.append(c); continue }
            c.awaitingAudit = nil
            processFrames(c)   // may hold again (and re-enter the list)
            guard connection(for: c.token) === c else { continue }
            if c.awaitingAudit == nil {
                if c.peerFinishedWhileAwaiting {
                    apply(c.machine.peerFinished(pendingBytes: c.output.readableBytes), to: c)
                } else if draining {
                    drain(c, now: MonotonicClock.now())
                }
            }
            if connection(for: c.token) === c { flush(c) }   // sends, and resumes reading
        }
    }

    // MARK: - Time and shutdown

    private func tick(now: UInt64) {
        dispatcher.tick()
        if acceptGate.tick(now: now, draining: draining) == .watch, let listener {
            try? epoll.register(listener, interest: .read, token: SlotToken.listener.rawValue)
        }
        for i in slots.indices {
            guard let c = slots[i] else { continue }
            apply(c.machine.tick(now: now), to: c)
            // A connection quiet for a while gives its buffers back (10k idle clients cost no buffers).
            if now &- c.machine.lastActivity > EventLoop.releaseBuffersAfterNanos, slots[i] === c {
                c.input.releaseIfEmpty()
                c.output.releaseIfEmpty()
            }
        }
    }

    /// Stops accepting, answers what was received, flushes, closes; the loop then exits.
    func beginDrain() {
        assertOnLoopThread()
        guard !draining else { return }
        draining = true
        if let l = listener {
            if !acceptGate.isPaused { epoll.deregister(l) }
            Syscall.close(l)
            listener = nil
        }
        let now = MonotonicClock.now()
        for i in slots.indices {
            // A connection holding an audited answer drains once it is sent (auditProgressed).
            guard let c = slots[i], c.awaitingAudit == nil else { continue }
            drain(c, now: now)
        }
    }

    /// Takes in what already arrived on `c`, answers it, then closes once flushed.
    private func drain(_ c: Connection, now: UInt64) {
        if c.machine.isReading { readable(c, drainAll: true) }  // take in what already arrived
        guard connection(for: c.token) === c, c.awaitingAudit == nil else { return }
        apply(c.machine.drain(now: now, pendingBytes: c.output.readableBytes), to: c)
    }

    /// Exits the loop at its next iteration, closing every connection.
    func stop() {
        assertOnLoopThread()
        stopped = true
    }
}
