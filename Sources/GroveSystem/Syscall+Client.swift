// Syscall+Client: the calls a client socket needs beyond the server's (non-blocking connect,
// its outcome, poll on one descriptor) and process-wide signal dispositions.

import Glibc

extension Syscall {
    /// Starts connecting a non-blocking socket: true when connected at once, false while in
    /// progress (EINPROGRESS: wait for POLLOUT, then read `socketError`).
    public static func connect(_ fd: FileDescriptor, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(SystemCallError) -> Bool {
        do {
            _ = try must("connect") { Glibc.connect(fd.rawValue, address, length) }
            return true
        } catch where error.errno.rawValue == EINPROGRESS {
            return false
        }
    }

    /// The pending error of a socket (SO_ERROR), nil when there is none.
    public static func socketError(_ fd: FileDescriptor) throws(SystemCallError) -> Errno? {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = try must("getsockopt") { getsockopt(fd.rawValue, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value == 0 ? nil : Errno(rawValue: value)
    }

    /// Waits until `fd` has one of `events`; returns the events seen, or 0 when the timeout
    /// passed. `timeoutMillis` is asked again after EINTR (-1: no timeout), so a signal
    /// never stretches a deadline.
    public static func poll(_ fd: FileDescriptor, events: Int16, timeoutMillis: () -> CInt) throws(SystemCallError) -> Int16 {
        var p = pollfd(fd: fd.rawValue, events: events, revents: 0)
        let ready = try must("poll") { Glibc.poll(&p, 1, timeoutMillis()) }
        return ready == 0 ? 0 : p.revents
    }

    /// Waits on several descriptors (a load generator's connections); returns how many are
    /// ready (0: the timeout passed). EINTR is retried with the same timeout: the caller
    /// (a loop with its own clock) gives short timeouts.
    public static func poll(_ fds: inout [pollfd], timeoutMillis: CInt) throws(SystemCallError) -> Int {
        switch try call("poll", { Glibc.poll(&fds, nfds_t(fds.count), timeoutMillis) }) {
        case let .processed(n): return Int(n)
        case .wouldBlock: return 0
        }
    }

    /// Ignores `signal` process-wide (SIGPIPE: a write to a closed socket returns EPIPE).
    public static func ignoreSignal(_ signal: CInt) {
        _ = Glibc.signal(signal, SIG_IGN)
    }
}
