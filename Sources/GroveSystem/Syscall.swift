// Syscall: every system call Grove makes (server, client, model store, CSV reader), each
// wrapped once; the file calls are in Syscall+Files.swift, the client's in Syscall+Client.swift.
//
// The rules (after swift-system and SwiftNIO): EINTR is retried here; EAGAIN
// comes back as `.wouldBlock` (from `call`; `must` treats it as an error); EBADF
// and EFAULT can only be programming errors and stop the process; everything else
// (EINVAL included: a bad argument from outside, such as an address) is thrown as a
// `SystemCallError` naming the call. epoll is not here: see GroveServer's
// EventLoop/Epoll.swift, the only file that names epoll_*.

import CGroveSys
import Glibc

public enum Syscall {
    /// Runs `body` until it does not fail with EINTR; fatal on errors that can only be bugs.
    @inlinable
    public static func call<T: BinaryInteger>(_ name: StaticString, blocking: Bool = false, _ body: () -> T) throws(SystemCallError) -> IOResult<T> {
        while true {
            let r = body()
            if r >= 0 { return .processed(r) }
            let e = Errno.current
            switch e {
            case .interrupted:
                continue
            case .wouldBlock where !blocking:
                return .wouldBlock
            case .badFileDescriptor, .badAddress:
                fatalError("\(name) failed with \(e) on a descriptor Grove owns: this is a bug")
            default:
                throw SystemCallError(call: "\(name)", errno: e)
            }
        }
    }

    /// Like `call` for calls that never block (or for which blocking is an error).
    @inlinable
    public static func must<T: BinaryInteger>(_ name: StaticString, _ body: () -> T) throws(SystemCallError) -> T {
        switch try call(name, blocking: true, body) {
        case let .processed(v): return v
        case .wouldBlock: fatalError("unreachable")
        }
    }

    public static func read(_ fd: FileDescriptor, _ buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> IOResult<Int> {
        try call("read") { Glibc.read(fd.rawValue, buffer.baseAddress, buffer.count) }
    }

    public static func write(_ fd: FileDescriptor, _ buffer: UnsafeRawBufferPointer) throws(SystemCallError) -> IOResult<Int> {
        try call("write") { Glibc.send(fd.rawValue, buffer.baseAddress, buffer.count, CInt(MSG_NOSIGNAL)) }
    }

    public static func close(_ fd: FileDescriptor) {
        // close() is not retried on EINTR on Linux: the descriptor is gone either way.
        if Glibc.close(fd.rawValue) != 0 && grove_errno() == EBADF {
            fatalError("close(\(fd.rawValue)) failed with EBADF: double close")
        }
    }

    public static func socket(domain: CInt, type: CInt) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try must("socket") { Glibc.socket(domain, type | CInt(SOCK_CLOEXEC.rawValue), 0) })
    }

    public static func setOption(_ fd: FileDescriptor, level: CInt, name: CInt, value: CInt) throws(SystemCallError) {
        var v = value
        _ = try must("setsockopt") { setsockopt(fd.rawValue, level, name, &v, socklen_t(MemoryLayout<CInt>.size)) }
    }

    public static func bind(_ fd: FileDescriptor, _ address: SocketAddress) throws(SystemCallError) {
        _ = try address.withSockAddr { p, len throws(SystemCallError) in try must("bind") { Glibc.bind(fd.rawValue, p, len) } }
    }

    public static func listen(_ fd: FileDescriptor, backlog: CInt) throws(SystemCallError) {
        _ = try must("listen") { Glibc.listen(fd.rawValue, backlog) }
    }

    /// Accepts one connection as a non-blocking, close-on-exec socket.
    public static func accept(_ fd: FileDescriptor) throws(SystemCallError) -> IOResult<(FileDescriptor, SocketAddress)> {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let r = try withUnsafeMutablePointer(to: &storage) { p throws(SystemCallError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemCallError) in
                try call("accept4") { grove_accept4(fd.rawValue, sa, &len) }
            }
        }
        switch r {
        case .wouldBlock: return .wouldBlock
        case let .processed(client): return .processed((FileDescriptor(rawValue: client), SocketAddress(storage: storage)))
        }
    }

    public static func localAddress(_ fd: FileDescriptor) throws(SystemCallError) -> SocketAddress {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { p throws(SystemCallError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemCallError) in
                try must("getsockname") { getsockname(fd.rawValue, sa, &len) }
            }
        }
        return SocketAddress(storage: storage)
    }

    public static func eventfd() throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try must("eventfd") { CGroveSys.eventfd(0, CInt(EFD_NONBLOCK | EFD_CLOEXEC)) })
    }

    /// Adds 1 to an eventfd counter (wakes whoever polls it).
    public static func signalEventfd(_ fd: FileDescriptor) {
        var one: UInt64 = 1
        _ = try? call("write(eventfd)") { Glibc.write(fd.rawValue, &one, 8) }
    }

    /// Resets an eventfd counter.
    public static func drainEventfd(_ fd: FileDescriptor) {
        var value: UInt64 = 0
        _ = try? call("read(eventfd)") { Glibc.read(fd.rawValue, &value, 8) }
    }

    /// A signalfd for `signals`, which the caller must already have blocked.
    public static func signalfd(_ signals: [CInt]) throws(SystemCallError) -> FileDescriptor {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        return FileDescriptor(rawValue: try must("signalfd") { CGroveSys.signalfd(-1, &set, CInt(SFD_NONBLOCK | SFD_CLOEXEC)) })
    }

    /// Reads one pending signal number from a signalfd, if any.
    public static func readSignal(_ fd: FileDescriptor) -> CInt? {
        var info = signalfd_siginfo()
        let r = try? call("read(signalfd)") { Glibc.read(fd.rawValue, &info, MemoryLayout<signalfd_siginfo>.size) }
        if case .processed(let n)? = r, n == MemoryLayout<signalfd_siginfo>.size { return CInt(info.ssi_signo) }
        return nil
    }

    /// Blocks `signals` in the calling thread (and threads it creates later).
    public static func blockSignals(_ signals: [CInt]) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
