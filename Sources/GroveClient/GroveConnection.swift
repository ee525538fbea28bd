// GroveConnection: one TCP connection to a server; synchronous calls on the caller's thread.

import Glibc
import GroveSystem
import GroveWire

/// A single connection. Calls run on the calling thread with no hop and no
/// per-call allocation beyond the decoded answer: the request is packed
/// straight into a reused output buffer, the response decoded from a reused
/// input buffer through reused arenas.
///
/// Not thread-safe: one caller at a time (`GroveClient` adds a lock).
public final class GroveConnection {
    public let endpoint: Endpoint
    private var fd: Int32
    private let input = ByteBuffer(capacity: 16 * 1024)
    private let output = ByteBuffer(capacity: 16 * 1024)
    /// Requests are built here: unbounded, since what is built mirrors the caller's `Request`
    /// (a bounded arena could only stop the process half way through a large request).
    private let outgoing = Arena(limit: .max)
    /// Answers are decoded here, bounded like the server's requests: a decoded message may take
    /// several times its frame in C structs, and a hostile frame may not take more.
    private let incoming: Arena
    private let decoder: FrameDecoder

    /// Connects (TCP_NODELAY) within `timeoutSeconds`.
    public init(endpoint: Endpoint, timeoutSeconds: Double = 2, limits: FrameLimits = .default) throws(GroveClientError) {
        self.endpoint = endpoint
        decoder = FrameDecoder(limits: limits)
        incoming = Arena(limit: max(Arena.defaultLimit, limits.maxFrameBytes * 8))
        fd = try Self.connect(endpoint, deadline: .after(seconds: timeoutSeconds))
    }

    deinit { close() }

    public var isOpen: Bool { fd >= 0 }

    /// Bytes read from the server so far: a caller compares it across a failed call to know
    /// whether any byte of the answer arrived (GroveClient retries only when none did).
    public private(set) var bytesReceived: UInt64 = 0

    /// Responses read from the server so far (1 after a refusal: the first frame was it).
    public private(set) var responsesReceived: UInt64 = 0

    public func close() {
        if fd >= 0 { Syscall.close(FileDescriptor(rawValue: fd)); fd = -1 }
    }

    /// Sends one request and waits for its answer.
    public func call(_ request: Request, deadline: Deadline = .distantFuture) throws(GroveClientError) -> Response {
        enqueue(request)
        try flush(deadline: deadline)
        let response = try receive(deadline: deadline)
        try check(response, answers: request.id)
        return response
    }

    /// Sends all requests at once (pipelined) and collects their answers in order.
    public func pipeline(_ requests: [Request], deadline: Deadline = .distantFuture) throws(GroveClientError) -> [Response] {
        for r in requests { enqueue(r) }
        try flush(deadline: deadline)
        var out: [Response] = []
        out.reserveCapacity(requests.count)
        for r in requests {
            let response = try receive(deadline: deadline)
            try check(response, answers: r.id)
            out.append(response)
        }
        return out
    }

    /// Throws unless `response` answers request `id`. An error answered with id 0 is the server
    /// speaking of the connection, not of one request (a connection refused at
    /// `--max-connections`, a frame it could not read): thrown as `.server` with its status,
    /// the connection closed (the server closes it too, or the answers are no longer in step).
    private func check(_ response: Response, answers id: UInt64) throws(GroveClientError) {
        guard response.id != id else { return }
        close()
        if response.id == 0 && response.status.code != .ok { throw .server(response.status) }
        throw .unexpectedResponse("answer for id \(response.id) while waiting for id \(id)")
    }

    /// Queues a request frame for the next `flush`.
    public func enqueue(_ request: Request) {
        request.writeFrame(into: output, arena: outgoing)
    }

    /// Queues pre-encoded frame bytes (benchmarks replay one frame many times).
    public func enqueue(frame bytes: UnsafeRawBufferPointer) {
        output.write(bytes)
    }

    /// Writes everything queued.
    public func flush(deadline: Deadline) throws(GroveClientError) {
        while !output.isEmpty {
            guard fd >= 0 else { throw .unavailable("connection to \(endpoint) is closed") }
            switch try sendSome(output.readableView) {
            case let .processed(n): output.consume(n)
            case .wouldBlock: try wait(for: Int16(POLLOUT), deadline: deadline)
            }
        }
    }

    /// Reads one response frame.
    public func receive(deadline: Deadline) throws(GroveClientError) -> Response {
        var body = try receiveFrame(deadline: deadline)
        defer { input.consume(body.upperBound) }
        do {
            let response = try Response(decoding: UnsafeRawBufferPointer(rebasing: input.readableView[body]), arena: incoming)
            responsesReceived &+= 1
            return response
        } catch {
            body = body.upperBound..<body.upperBound
            close()
            throw .protocolViolation("\(error)")
        }
    }

    /// Waits for one complete frame in the input buffer; returns its body's range there.
    /// The caller consumes `range.upperBound` bytes when done with it.
    public func receiveFrame(deadline: Deadline) throws(GroveClientError) -> Range<Int> {
        while true {
            switch decoder.decode(input.readableView) {
            case let .frame(body): return body
            case let .error(e):
                close()
                throw .protocolViolation("\(e)")
            case let .needMoreData(total):
                guard fd >= 0 else { throw .unavailable("connection to \(endpoint) is closed") }
                let want = max((total ?? 0) - input.readableBytes, 16 * 1024)
                switch try receiveSome(minimum: want) {
                case let .processed(n) where n > 0: continue
                case .processed:
                    close()
                    throw .unavailable("\(endpoint) closed the connection")
                case .wouldBlock: try wait(for: Int16(POLLIN), deadline: deadline)
                }
            }
        }
    }

    /// The bytes of the frame body returned by `receiveFrame` (valid until consumed).
    public func frameBytes(_ body: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: input.readableView[body])
    }

    public func consumeFrame(_ body: Range<Int>) {
        input.consume(body.upperBound)
    }

    // MARK: - Non-blocking primitives (load generators multiplexing many connections)

    /// The socket, for poll(2). Owned by this connection.
    public var fileDescriptor: Int32 { fd }

    /// True when output is queued but not yet written.
    public var hasPendingOutput: Bool { !output.isEmpty }

    /// Reads whatever the socket holds without blocking; returns the byte count (0: nothing yet).
    public func readAvailable() throws(GroveClientError) -> Int {
        guard fd >= 0 else { throw .unavailable("connection to \(endpoint) is closed") }
        var total = 0
        while true {
            switch try receiveSome(minimum: 64 * 1024) {
            case let .processed(n) where n > 0: total += n
            case .processed:
                close()
                throw .unavailable("\(endpoint) closed the connection")
            case .wouldBlock: return total
            }
        }
    }

    /// A complete frame already in the input buffer, if any (consume it with `consumeFrame`).
    public func bufferedFrame() throws(GroveClientError) -> Range<Int>? {
        switch decoder.decode(input.readableView) {
        case let .frame(body): return body
        case .needMoreData: return nil
        case let .error(e):
            close()
            throw .protocolViolation("\(e)")
        }
    }

    /// Writes queued output without blocking; returns true when everything was written.
    public func writeAvailable() throws(GroveClientError) -> Bool {
        while !output.isEmpty {
            guard fd >= 0 else { throw .unavailable("connection to \(endpoint) is closed") }
            switch try sendSome(output.readableView) {
            case let .processed(n): output.consume(n)
            case .wouldBlock: return false
            }
        }
        return true
    }

    /// One send of `bytes` (MSG_NOSIGNAL); a failure closes the connection.
    private func sendSome(_ bytes: UnsafeRawBufferPointer) throws(GroveClientError) -> IOResult<Int> {
        do {
            return try Syscall.write(FileDescriptor(rawValue: fd), bytes)
        } catch {
            close()
            throw .unavailable("send to \(endpoint): \(error.errno)")
        }
    }

    /// One receive into the input buffer (at least `minimum` bytes of room); `.processed(0)`
    /// is end of stream. A failure closes the connection.
    private func receiveSome(minimum: Int) throws(GroveClientError) -> IOResult<Int> {
        var result: Result<IOResult<Int>, SystemCallError> = .success(.wouldBlock)
        _ = input.writeWithUnsafeMutableBytes(minimum: minimum) { raw in
            result = Result { () throws(SystemCallError) in try Syscall.read(FileDescriptor(rawValue: fd), raw) }
            if case let .success(.processed(n)) = result { return n }
            return 0
        }
        switch result {
        case let .success(r):
            if case let .processed(n) = r { bytesReceived &+= UInt64(n) }
            return r
        case let .failure(error):
            close()
            throw .unavailable("recv from \(endpoint): \(error.errno)")
        }
    }

    private func wait(for events: Int16, deadline: Deadline) throws(GroveClientError) {
        if deadline.pollTimeoutMillis == 0 { throw .deadlineExceeded }
        let ready: Int16
        do {
            ready = try Syscall.poll(FileDescriptor(rawValue: fd), events: events) { deadline.pollTimeoutMillis }
        } catch {
            close()
            throw .unavailable("poll: \(error.errno)")
        }
        if ready == 0 { throw .deadlineExceeded }
    }

    // MARK: - Connecting

    private static func connect(_ endpoint: Endpoint, deadline: Deadline) throws(GroveClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .unavailable("cannot resolve \(endpoint.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd: FileDescriptor
            do {
                fd = try Syscall.socket(domain: a.pointee.ai_family, type: Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
            } catch {
                lastError = "\(error.errno)"
                continue
            }
            var timedOut = false
            do throws(SystemCallError) {
                try Syscall.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
                if try Syscall.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) { return fd.rawValue }
                // In progress: wait for writability within the deadline, then read the outcome.
                if try Syscall.poll(fd, events: Int16(POLLOUT), timeoutMillis: { deadline.pollTimeoutMillis }) == 0 {
                    timedOut = true
                } else if let failure = try Syscall.socketError(fd) {
                    lastError = "\(failure)"
                } else {
                    return fd.rawValue
                }
            } catch {
                lastError = "\(error.errno)"
            }
            Syscall.close(fd)
            if timedOut { throw .deadlineExceeded }
        }
        throw .unavailable("cannot connect to \(endpoint): \(lastError)")
    }
}

@available(*, unavailable)
extension GroveConnection: Sendable {}
