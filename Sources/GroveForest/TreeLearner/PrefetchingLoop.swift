// The passes over a node's samples: each position in order, with the row some positions on prefetched.

/// The loop of every pass over a node's samples (histograms, partitions): a node's rows are
/// scattered through the bin codes, so each pass prefetches the row of the sample `ahead`
/// positions on while it works on the current one.
enum PrefetchingLoop {
    /// Calls `prefetch` with position `pos + ahead` (while it is below `end`) and then `body`
    /// with `pos`, for each position start..<end in order. The last `ahead` positions have
    /// nothing ahead to prefetch: no clamped index (a `min` per sample), no row fetched twice.
    @inline(__always)
    static func run(_ start: Int, _ end: Int, ahead: Int, prefetch: (Int) -> Void, body: (Int) -> Void) {
        var pos = start
        while pos &+ ahead < end {
            prefetch(pos &+ ahead)
            body(pos)
            pos &+= 1
        }
        while pos < end {
            body(pos)
            pos &+= 1
        }
    }
}
