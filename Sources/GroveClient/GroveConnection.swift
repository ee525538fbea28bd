// GroveConnection: one TCP connection to a server; synchronous calls on the caller's thread.

import Glibc
import GroveWire

/// A single connection. Calls run on the calling thread with no hop and no
/// per-call allocation beyond the decoded answer: the request is packed
/// straight into a reused output buffer, the response decoded from a reused
/// input buffer through a reused arena.
///
/// Not thread-safe: one caller at a time (`GroveClient` adds a lock).
public final class GroveConnection {
    public let endpoint: Endpoint
    private var fd: Int32
    private let input = ByteBuffer(capacity: 16 * 1024)
    private let output = ByteBuffer(capacity: 16 * 1024)
    private let arena = Arena()
    private let decoder: FrameDecoder

    /// Connects (TCP_NODELAY) within `timeoutSeconds`.
    public init(endpoint: Endpoint, timeoutSeconds: Double = 2, limits: FrameLimits = .default) throws(GroveClientError) {
        self.endpoint = endpoint
        decoder = FrameDecoder(limits: limits)
        fd = try Self.connect(endpoint, deadline: .after(seconds: timeoutSeconds))
    }

    deinit { close() }

    public var isOpen: Bool { fd >= 0 }

    /// Bytes read from the server so far: a caller compares it across a failed call to know
    /// whether any byte of the answer arrived (GroveClient retries only when none did).
    public private(set) var bytesReceived: UInt64 = 0

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Sends one request and waits for its answer.
    public func call(_ request: Request, deadline: Deadline = .distantFuture) throws(GroveClientError) -> Response {
        enqueue(request)
        try flush(deadline: deadline)
        let response = try receive(deadline: deadline)
        guard response.id == request.id else {
            close()
            throw .unexpectedResponse("answer for id \(response.id) while waiting for id \(request.id)")
        }
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
            guard response.id == r.id else {
                close()
                throw .unexpectedResponse("answer for id \(response.id) while waiting for id \(r.id)")
            }
            out.append(response)
        }
        return out
    }

    /// Queues a request frame for the next `flush`.
    public func enqueue(_ request: Request) {
        request.writeFrame(into: output, arena: arena)
    }

    /// Queues pre-encoded frame bytes (benchmarks replay one frame many times).
    public func enqueue(frame bytes: UnsafeRawBufferPointer) {
        output.write(bytes)
    }

    /// Writes everything queued.
    public func flush(deadline: Deadline) throws(GroveClientError) {
        while !output.isEmpty {
            guard fd >= 0 else { throw .unavailable("connection to \(endpoint) is closed") }
            let view = output.readableView
            let n = send(fd, view.baseAddress, view.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { output.consume(n); continue }
            switch errno {
            case EINTR: continue
            case EAGAIN: try wait(for: Int16(POLLOUT), deadline: deadline)
            default:
                let e = errno
                close()
                throw .unavailable("send to \(endpoint): \(String(cString: strerror(e)))")
            }
        }
    }

    /// Reads one response frame.
    public func receive(deadline: Deadline) throws(GroveClientError) -> Response {
        var body = try receiveFrame(deadline: deadline)
        defer { input.consume(body.upperBound) }
        do {
            return try Response(decoding: UnsafeRawBufferPointer(rebasing: input.readableView[body]), arena: arena)
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
                var err: Int32 = 0
                let n = input.writeWithUnsafeMutableBytes(minimum: want) { raw in
                    let r = recv(fd, raw.baseAddress, raw.count, 0)
                    if r < 0 { err = errno; return 0 }
                    return r
                }
                if n > 0 { bytesReceived &+= UInt64(n); continue }
                if err == 0 {
                    close()
                    throw .unavailable("\(endpoint) closed the connection")
                }
                switch err {
                case EINTR: continue
                case EAGAIN: try wait(for: Int16(POLLIN), deadline: deadline)
                default:
                    close()
                    throw .unavailable("recv from \(endpoint): \(String(cString: strerror(err)))")
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
            var err: Int32 = 0
            var eof = false
            let n = input.writeWithUnsafeMutableBytes(minimum: 64 * 1024) { raw in
                let r = recv(fd, raw.baseAddress, raw.count, 0)
                if r < 0 { err = errno; return 0 }
                if r == 0 { eof = true }
                return r
            }
            total += n
            bytesReceived &+= UInt64(n)
            if eof { close(); throw .unavailable("\(endpoint) closed the connection") }
            if n > 0 { continue }
            if err == EINTR { continue }
            if err == EAGAIN || err == 0 { return total }
            close()
            throw .unavailable("recv from \(endpoint): \(String(cString: strerror(err)))")
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
            let view = output.readableView
            let n = send(fd, view.baseAddress, view.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { output.consume(n); continue }
            if errno == EINTR { continue }
            if errno == EAGAIN { return false }
            let e = errno
            close()
            throw .unavailable("send to \(endpoint): \(String(cString: strerror(e)))")
        }
        return true
    }

    private func wait(for events: Int16, deadline: Deadline) throws(GroveClientError) {
        while true {
            var p = pollfd(fd: fd, events: events, revents: 0)
            let timeout = deadline.pollTimeoutMillis
            if timeout == 0 { throw .deadlineExceeded }
            let r = poll(&p, 1, timeout)
            if r > 0 { return }
            if r == 0 { throw .deadlineExceeded }
            if errno != EINTR {
                let e = errno
                close()
                throw .unavailable("poll: \(String(cString: strerror(e)))")
            }
        }
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
            let fd = socket(a.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            if errno == EINPROGRESS {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let timeout = deadline.pollTimeoutMillis
                var r: Int32
                repeat { r = poll(&p, 1, timeout) } while r < 0 && errno == EINTR
                if r == 1 {
                    var soError: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                    if soError == 0 { return fd }
                    lastError = String(cString: strerror(soError))
                } else if r == 0 {
                    Glibc.close(fd)
                    throw .deadlineExceeded
                } else {
                    lastError = String(cString: strerror(errno))
                }
            } else {
                lastError = String(cString: strerror(errno))
            }
            Glibc.close(fd)
        }
        throw .unavailable("cannot connect to \(endpoint): \(lastError)")
    }
}

@available(*, unavailable)
extension GroveConnection: Sendable {}
