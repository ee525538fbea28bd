// AcceptGate: whether a loop watches its listener; out of descriptors, it stops for a while
// instead of spinning on a listener that stays readable (a decision as a value, clock injected).

import GroveSystem

/// The listener's watch state. `acceptFailed` with EMFILE/ENFILE pauses accepting for
/// `pauseNanos`; `tick` resumes once the pause is over (never while draining).
struct AcceptGate {
    enum Action: Equatable {
        case none
        /// Deregister the listener from epoll (it would report readable at once, again and again).
        case stopWatching
        /// Register the listener again.
        case watch
    }

    /// How long accepting pauses when the process or the system is out of descriptors.
    static let pauseNanos: UInt64 = 100_000_000

    /// When the pause ends (monotonic ns); nil while the listener is watched.
    private(set) var pausedUntil: UInt64?

    var isPaused: Bool { pausedUntil != nil }

    /// accept(2) failed with `errno` at `now`.
    mutating func acceptFailed(_ errno: Errno, now: UInt64) -> Action {
        guard errno == .tooManyOpenFiles || errno == .tooManyOpenFilesInSystem else { return .none }
        guard pausedUntil == nil else { return .none }
        pausedUntil = now &+ AcceptGate.pauseNanos
        return .stopWatching
    }

    /// The loop's periodic check.
    mutating func tick(now: UInt64, draining: Bool) -> Action {
        guard let until = pausedUntil, now >= until, !draining else { return .none }
        pausedUntil = nil
        return .watch
    }
}
