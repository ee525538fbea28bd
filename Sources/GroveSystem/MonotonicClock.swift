// MonotonicClock: nanoseconds from CLOCK_MONOTONIC; decisions take `now` as a value so tests inject it.

import Glibc

public enum MonotonicClock {
    @inlinable
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
