// SnapshotReader: one event loop's copy of the registry's snapshot, read without a lock.

/// What a loop reads on every request. The registry bumps an atomic generation number each
/// time it publishes a snapshot; the reader compares that number with the one it last copied
/// (one atomic load of a cache line that changes only when the repository does) and takes the
/// registry's lock only to copy a newer snapshot. Nothing is written to shared memory per request.
///
/// The loop also calls `refresh()` every tick, so a loop that serves no request after a swap
/// still lets go of the old snapshot: a retired version is freed once no loop holds it (and no
/// request in flight: a request that resolved a `ServedModel` keeps it until answered).
final class SnapshotReader {
    private let registry: ModelRegistry
    private var generation: UInt64
    private var current: RegistrySnapshot

    init(registry: ModelRegistry) {
        self.registry = registry
        (generation, current) = registry.published
    }

    /// The newest published snapshot.
    @inline(__always)
    var snapshot: RegistrySnapshot {
        if registry.generation.load(ordering: .acquiring) != generation { refresh() }
        return current
    }

    /// Copies the newest snapshot when one was published since the last copy; true when it did.
    @discardableResult
    func refresh() -> Bool {
        guard registry.generation.load(ordering: .acquiring) != generation else { return false }
        (generation, current) = registry.published
        return true
    }
}

@available(*, unavailable)
extension SnapshotReader: Sendable {}
