// A second core for one row's explanation: a thread that explains half of its trees.

import CGroveExplain
import Foundation

/// A thread that explains the second half of a row's trees (`ForestExplainer.splitTree`)
/// while the calling thread explains the first, for scratches it is attached to
/// (`ExplainScratch.helper`). The hand-off is the C kernel's (`GroveExplainHelper`,
/// explain_helper.c): after a job the thread spins (yielding) `spinMicroseconds` waiting for
/// the next one, then parks (an idle process burns no CPU). A caller hands it a row only while
/// it spins, no other caller is explaining and it is not resting (after rows it was
/// descheduled inside, by other processes); otherwise (busy with another caller's row, or
/// parked: the caller then wakes it for the next row) the caller explains the whole row
/// itself. Either way the answer has the same bits. Any number of threads may share one helper.
public final class ExplainHelper: @unchecked Sendable {  // the C side synchronizes; `handle` never changes
    let handle: OpaquePointer

    /// How long the thread spins after a job before it parks, by default: longer than the
    /// gap between a client's back-to-back requests over loopback (tens of µs), short enough
    /// that an idle server stops spinning at once.
    public static let defaultSpinMicroseconds = 200

    /// Starts the thread; nil when it cannot be started (callers then explain alone).
    public init?(spinMicroseconds: Int = ExplainHelper.defaultSpinMicroseconds) {
        guard let h = grove_explain_helper_start(UInt64(max(spinMicroseconds, 0)) * 1000) else { return nil }
        handle = h
    }

    deinit { grove_explain_helper_stop(handle) }

    /// Rows it explained half of, and rows its callers explained alone (busy or parked, or it
    /// had not started the half when the caller finished its own).
    public var counts: (shared: UInt64, alone: UInt64) {
        var shared: UInt64 = 0, alone: UInt64 = 0
        grove_explain_helper_counts(handle, &shared, &alone)
        return (shared, alone)
    }

    /// Whether the thread is parked (asleep until a caller wakes it) at this moment.
    public var isParked: Bool { grove_explain_helper_state(handle) == GROVE_HELPER_PARKED }

    /// The helper for this process's served explanations: one thread when the machine has
    /// more than one core and GROVE_EXPLAIN_HELPER is not `off`, else nil (started on first use).
    public static let serving: ExplainHelper? = {
        if ProcessInfo.processInfo.environment["GROVE_EXPLAIN_HELPER"] == "off" { return nil }
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else { return nil }
        return ExplainHelper()
    }()
}
