// SlotToken: the 64-bit epoll registration token of a loop: a reserved source (wakeup,
// listener, signals) or a connection slot with its generation.

/// What an epoll event names. Connection tokens pack `generation << 32 | (slot + firstSlot)`:
/// a slot is reused after its connection closes, with the next generation, so an event
/// queued for the old connection carries a token no live connection has and is dropped.
struct SlotToken: Hashable, CustomStringConvertible {
    let rawValue: UInt64

    init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The loop's eventfd (tasks from other threads).
    static let wake = SlotToken(rawValue: 0)
    /// The listening socket.
    static let listener = SlotToken(rawValue: 1)
    /// The signalfd (loop 0 only).
    static let signal = SlotToken(rawValue: 2)
    /// Low words below this are reserved sources; connection slot 0 is this value.
    static let firstSlot: UInt64 = 8

    /// The token of connection slot `slot` (below 2^32 - firstSlot) in its `generation`.
    init(slot: Int, generation: UInt32) {
        precondition(slot >= 0 && UInt64(slot) < (1 << 32) - SlotToken.firstSlot, "slot \(slot) out of range")
        rawValue = UInt64(generation) << 32 | (UInt64(slot) + SlotToken.firstSlot)
    }

    /// The connection slot this token names; nil for a reserved source.
    var slot: Int? {
        let low = rawValue & 0xffff_ffff
        return low >= SlotToken.firstSlot ? Int(truncatingIfNeeded: low - SlotToken.firstSlot) : nil
    }

    /// The slot's generation when the token was made.
    var generation: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }

    var description: String {
        switch self {
        case .wake: return "wake"
        case .listener: return "listener"
        case .signal: return "signal"
        default: return slot.map { "slot \($0) generation \(generation)" } ?? "reserved \(rawValue)"
        }
    }
}
