// Epoll: the only file that names epoll_*; a small readiness-selector interface over it.
//
// Contract (after Redis's ae_epoll.c and SwiftNIO's SelectorEpoll):
// - Registrations carry a 64-bit token chosen by the caller (slot + generation),
//   never a pointer. An event whose token no longer matches a live registration
//   is stale (its descriptor was closed, maybe reused, earlier in the batch) and
//   the caller must drop it.
// - Level-triggered: a readable socket that was not drained is reported again.

import CGroveSys
import Glibc
import GroveSystem

/// What a registration wants to hear about.
struct Interest: OptionSet, Sendable {
    let rawValue: UInt32
    static let read = Interest(rawValue: 1)
    static let write = Interest(rawValue: 2)

    /// EPOLLRDHUP only with read interest: it stays asserted (level-triggered) once the
    /// peer half-closes, so asking for it while not reading would wake the loop forever.
    /// EPOLLHUP and EPOLLERR are always reported by the kernel.
    var epollEvents: UInt32 {
        var e: UInt32 = 0
        if contains(.read) { e |= UInt32(EPOLLIN.rawValue) | UInt32(EPOLLRDHUP.rawValue) }
        if contains(.write) { e |= UInt32(EPOLLOUT.rawValue) }
        return e
    }
}

/// One readiness event.
struct ReadyEvent {
    let token: UInt64
    let readable: Bool
    let writable: Bool
    /// The peer hung up or the socket has an error: reading will tell which.
    let hangup: Bool
    /// EPOLLHUP or EPOLLERR: both directions are gone (not a half-close, which is EPOLLRDHUP).
    let closed: Bool
}

final class Epoll {
    private let fd: FileDescriptor
    private var events: UnsafeMutableBufferPointer<epoll_event>

    init(maxEventsPerWait: Int = 256) throws(SystemCallError) {
        fd = FileDescriptor(rawValue: try Syscall.must("epoll_create1") { epoll_create1(CInt(EPOLL_CLOEXEC)) })
        events = .allocate(capacity: maxEventsPerWait)
    }

    deinit {
        events.deallocate()
        Syscall.close(fd)
    }

    func register(_ target: FileDescriptor, interest: Interest, token: UInt64) throws(SystemCallError) {
        try control(EPOLL_CTL_ADD, target, interest, token)
    }

    func modify(_ target: FileDescriptor, interest: Interest, token: UInt64) throws(SystemCallError) {
        try control(EPOLL_CTL_MOD, target, interest, token)
    }

    /// Removes a registration. Must be called before the descriptor is closed.
    func deregister(_ target: FileDescriptor) {
        var ev = epoll_event()
        _ = epoll_ctl(fd.rawValue, EPOLL_CTL_DEL, target.rawValue, &ev)
    }

    /// Waits up to `timeoutMillis` (-1: forever) and calls `body` for each event.
    func wait(timeoutMillis: CInt, _ body: (ReadyEvent) -> Void) throws(SystemCallError) {
        let n: Int32
        switch try Syscall.call("epoll_wait", { epoll_wait(fd.rawValue, events.baseAddress, CInt(events.count), timeoutMillis) }) {
        case let .processed(count): n = count
        case .wouldBlock: n = 0
        }
        for i in 0..<Int(n) {
            let raw = grove_epoll_event_events(&events[i])
            body(ReadyEvent(
                token: grove_epoll_event_token(&events[i]),
                readable: raw & UInt32(EPOLLIN.rawValue) != 0,
                writable: raw & UInt32(EPOLLOUT.rawValue) != 0,
                hangup: raw & UInt32(EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0,
                closed: raw & UInt32(EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0))
        }
    }

    private func control(_ op: CInt, _ target: FileDescriptor, _ interest: Interest, _ token: UInt64) throws(SystemCallError) {
        var ev = epoll_event()
        grove_epoll_event_set(&ev, interest.epollEvents, token)
        _ = try Syscall.must("epoll_ctl") { epoll_ctl(fd.rawValue, op, target.rawValue, &ev) }
    }
}
