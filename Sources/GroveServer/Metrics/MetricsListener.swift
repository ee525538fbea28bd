// MetricsListener: the `--metrics HOST:PORT` HTTP endpoint, on its own thread.
//
// One thread, one epoll set: the listener, a wakeup eventfd (stop), and at most one scrape
// connection at a time (Prometheus scrapes each target serially; a second scraper waits in the
// accept queue). A scrape reads the head (at most 8 KiB; the whole scrape within 5 s), builds the document from
// atomics and snapshots (MetricsCollector), writes it and closes. Nothing here runs on an event
// loop or takes a lock a loop takes on its request path: a scrape never blocks or slows a loop.

import Foundation
import Glibc
import GroveSystem

final class MetricsListener: @unchecked Sendable {  // touched by its thread; stop() only signals
    let address: SocketAddress
    private let listener: FileDescriptor
    private let wakeFD: FileDescriptor
    private let epoll: Epoll
    private unowned let server: Server
    private let done = DispatchSemaphore(value: 0)
    /// Whether the listener is watched (paused while out of descriptors); the thread's only.
    private var acceptGate = AcceptGate()

    /// A scrape must be over (head read, answer written) within this time, or it is closed.
    static let scrapeTimeoutNanos: UInt64 = 5_000_000_000
    private static let wakeToken: UInt64 = 0
    private static let listenerToken: UInt64 = 1
    private static let clientToken: UInt64 = 2

    /// Parses HOST:PORT ([v6]:PORT), applies the same exposure rule as the RPC port (loopback
    /// unless API keys are configured or --insecure), binds and starts the thread.
    static func start(address text: String, server: Server) throws -> MetricsListener {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw Server.StartError.metrics("'\(text)' is not HOST:PORT")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard var address = SocketAddress(host: host, port: port) else { throw Server.StartError.badAddress(host) }
        if !address.isLoopback && server.configuration.keysFile == nil && !server.configuration.insecure {
            throw Server.StartError.metrics("refusing to expose metrics on \(address) without --keys (or --insecure)")
        }
        do {
            let fd = try Syscall.socket(domain: address.domain, type: CInt(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue))
            do {
                try Syscall.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
                try Syscall.bind(fd, address)
                try Syscall.listen(fd, backlog: 64)
                if address.port == 0 { address = try Syscall.localAddress(fd) }
                let m = try MetricsListener(address: address, listener: fd, server: server)
                let thread = Thread { m.run() }
                thread.name = "grove-metrics"
                thread.start()
                server.logger.info("metrics on http://\(address)/metrics")
                return m
            } catch {
                Syscall.close(fd)
                throw error
            }
        } catch {
            throw Server.StartError.metrics("\(error)")
        }
    }

    private init(address: SocketAddress, listener: FileDescriptor, server: Server) throws(SystemCallError) {
        self.address = address
        self.listener = listener
        self.server = server
        epoll = try Epoll(maxEventsPerWait: 8)
        wakeFD = try Syscall.eventfd()
        try epoll.register(wakeFD, interest: .read, token: MetricsListener.wakeToken)
        try epoll.register(listener, interest: .read, token: MetricsListener.listenerToken)
    }

    /// Stops the thread and closes the listener; returns when it has exited.
    func stop() {
        Syscall.signalEventfd(wakeFD)
        done.wait()
    }

    private struct Scrape {
        let fd: FileDescriptor
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        let deadline: UInt64
    }

    private func run() {
        var scrape: Scrape?
        var stopping = false
        while !stopping {
            do {
                try epoll.wait(timeoutMillis: 200) { event in
                    switch event.token {
                    case MetricsListener.wakeToken:
                        stopping = true
                    case MetricsListener.listenerToken where scrape == nil:
                        let accepted: IOResult<(FileDescriptor, SocketAddress)>
                        do throws(SystemCallError) {
                            accepted = try Syscall.accept(listener)
                        } catch {
                            acceptFailed(error)
                            break
                        }
                        if case let .processed((fd, _)) = accepted {
                            scrape = Scrape(fd: fd, deadline: MonotonicClock.now() &+ MetricsListener.scrapeTimeoutNanos)
                            // One scrape at a time: stop watching the listener until it is done.
                            epoll.deregister(listener)
                            try? epoll.register(fd, interest: .read, token: MetricsListener.clientToken)
                        }
                    case MetricsListener.clientToken:
                        if var s = scrape {
                            let finished = progress(&s)
                            scrape = finished ? nil : s
                            if finished { finish(s) }
                        }
                    default:
                        break
                    }
                }
            } catch {
                server.logger.error("metrics listener failed: \(error)")
                break
            }
            if let s = scrape, MonotonicClock.now() > s.deadline {
                scrape = nil
                finish(s)
            }
            // No scrape runs while accepting is paused (the listener was not watched).
            if acceptGate.tick(now: MonotonicClock.now(), draining: false) == .watch {
                try? epoll.register(listener, interest: .read, token: MetricsListener.listenerToken)
            }
        }
        if let s = scrape { finish(s) }
        if scrape == nil { epoll.deregister(listener) }
        Syscall.close(listener)
        Syscall.close(wakeFD)
        done.signal()
    }

    /// Reads the head, then writes the answer; true when the connection is done.
    private func progress(_ s: inout Scrape) -> Bool {
        if s.output.isEmpty {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let r = chunk.withUnsafeMutableBytes { try? Syscall.read(s.fd, $0) }
                guard let r else { return true }                 // reset
                guard case let .processed(n) = r else { break }  // would block
                if n == 0 { return true }                        // closed before asking
                s.input += chunk[0..<n]
                if s.input.count >= MetricsRoute.maxHeadBytes { break }
            }
            let route = s.input.withUnsafeBytes { MetricsRoute.decide($0) }
            if route == .incomplete { return false }
            s.output = route.response { MetricsCollector.document(for: server) }
            try? epoll.modify(s.fd, interest: .write, token: MetricsListener.clientToken)
        }
        while s.written < s.output.count {
            let r = s.output[s.written...].withUnsafeBytes { try? Syscall.write(s.fd, $0) }
            guard let r else { return true }
            guard case let .processed(n) = r else { return false }
            s.written += n
        }
        return true
    }

    /// accept(2) failed. Out of descriptors (EMFILE, ENFILE) the listener stays readable, so it
    /// is not watched for `AcceptGate.pauseNanos` rather than spun on; every failure is logged.
    private func acceptFailed(_ error: SystemCallError) {
        if acceptGate.acceptFailed(error.errno, now: MonotonicClock.now()) == .stopWatching {
            server.logger.warning("metrics accept: \(error.errno); pausing accepts for \(AcceptGate.pauseNanos / 1_000_000) ms")
            epoll.deregister(listener)
        } else {
            server.logger.warning("metrics accept: \(error)")
        }
    }

    private func finish(_ s: Scrape) {
        epoll.deregister(s.fd)
        Syscall.close(s.fd)
        try? epoll.register(listener, interest: .read, token: MetricsListener.listenerToken)
    }
}
