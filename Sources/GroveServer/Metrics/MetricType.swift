// MetricType: the kinds of Prometheus metric families Grove exposes.

/// The `# TYPE` of a metric family in the text exposition format.
enum MetricType: String, Sendable {
    /// Only goes up (resets when the process restarts); the name ends in `_total`.
    case counter
    /// Goes up and down (open connections, queue depth, resident memory).
    case gauge
    /// Cumulative `_bucket{le=...}` counts plus `_sum` and `_count`.
    case histogram
}
