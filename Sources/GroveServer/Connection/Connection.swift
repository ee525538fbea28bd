// Connection: one client socket: input buffer, output buffer, state machine; I/O on its loop's thread.

import GroveSystem
import GroveWire

/// A client connection. Owned by exactly one `EventLoop` and touched only on
/// its thread: reads, frames, dispatch and writes all happen there, so a
/// prediction never crosses a thread.
final class Connection {
    let fd: FileDescriptor
    let token: SlotToken
    let peer: SocketAddress
    let input: ByteBuffer
    let output: ByteBuffer
    var machine: ConnectionStateMachine
    /// When the last read brought data (monotonic nanoseconds): the time a frame found in the
    /// input buffer counts as received, for its `timeout_micros` budget.
    var lastReadAt: UInt64 = 0
    /// The interest currently registered with epoll.
    var interest: Interest = .read
    /// An audited answer held until its record is durable: the connection reads and answers
    /// nothing more until it is sent (answers stay in request order).
    var awaitingAudit: AwaitingAudit?
    /// The peer half-closed while an answer was held: finish closing once it is sent.
    var peerFinishedWhileAwaiting = false

    /// Initial buffer size; buffers grow for large frames and shrink back when idle.
    static let initialBufferBytes = 16 * 1024

    init(fd: FileDescriptor, token: SlotToken, peer: SocketAddress, limits: ConnectionLimits, now: UInt64) {
        self.fd = fd
        self.token = token
        self.peer = peer
        input = ByteBuffer(capacity: Connection.initialBufferBytes)
        output = ByteBuffer(capacity: Connection.initialBufferBytes)
        machine = ConnectionStateMachine(limits: limits, now: now)
    }

    /// The interest the current state calls for.
    var desiredInterest: Interest {
        var i: Interest = []
        if machine.isReading && awaitingAudit == nil { i.insert(.read) }
        if !output.isEmpty { i.insert(.write) }
        return i
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
