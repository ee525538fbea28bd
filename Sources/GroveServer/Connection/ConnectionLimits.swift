// ConnectionLimits: the per-connection bounds, each a named setting with its reason.

import GroveWire

public struct ConnectionLimits: Sendable {
    /// Largest frame body accepted; a larger prefix is answered RESOURCE_EXHAUSTED and the connection closed.
    public var frame = FrameLimits.default
    /// Close a connection that sent nothing and has nothing to send for this long (0 = never).
    public var idleTimeoutNanos: UInt64 = 300 * 1_000_000_000
    /// A frame whose first byte arrived must be complete within this time (slow-sender protection).
    public var frameDeadlineNanos: UInt64 = 10 * 1_000_000_000
    /// Stop reading a connection whose unsent output passes this many bytes; resume below half.
    public var maxPendingOutputBytes = 4 * 1024 * 1024
    /// Stop reading a connection with this many answered-but-unsent responses; resume below half.
    public var maxInFlightRequests = 1024
    /// After SIGTERM, how long to wait for output to drain before closing anyway.
    public var drainTimeoutNanos: UInt64 = 10 * 1_000_000_000

    public init() {}
}
