// BalancingPolicy: how GroveClient spreads calls over its healthy endpoints.

public enum BalancingPolicy: Sendable, Equatable {
    /// Every call to the first healthy endpoint in list order (primary and standbys); after an
    /// ejected earlier endpoint passes its Health probe, calls go back to it.
    case firstAvailable
    /// Calls rotate over the healthy endpoints.
    case roundRobin
    /// Each call to the healthy endpoint with the fewest calls in flight from this client
    /// (ties rotate): a slow or overloaded server gets less.
    case leastOutstanding
}
