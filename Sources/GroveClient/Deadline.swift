// Deadline: a point in monotonic time by which a call must finish.

import GroveSystem

public struct Deadline: Sendable, Comparable {
    /// Monotonic nanoseconds.
    public let nanos: UInt64

    public static func now() -> Deadline {
        Deadline(nanos: MonotonicClock.now())
    }

    /// `seconds` from now.
    public static func after(seconds: Double) -> Deadline {
        Deadline(nanos: now().nanos &+ UInt64(max(0, seconds) * 1e9))
    }

    public static let distantFuture = Deadline(nanos: .max)

    /// Milliseconds left (0 when past; -1 for "forever", as poll(2) wants).
    var pollTimeoutMillis: Int32 {
        if nanos == .max { return -1 }
        let now = Deadline.now().nanos
        if nanos <= now { return 0 }
        return Int32(min((nanos - now + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanos < b.nanos }
}
