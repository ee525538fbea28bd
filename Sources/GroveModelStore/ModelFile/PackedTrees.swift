// PackedTrees: a forest's `Tree` messages packed while it grows, for `ModelFileCodec.encode`.

import GroveForest

/// The model-file bytes of each tree of a forest (`ModelFileCodec.treeBytes`), packed as soon as
/// the tree is built: `grove train` packs a tree on the worker that grew it, while the other
/// trees grow, instead of packing all of them after the last one.
///
/// Threads: `pack(_:at:)` may run on several threads at once for different indices; it must not
/// run twice for one index, and reading (`bytes(at:of:)`) must wait until every `pack` returned
/// (the trainer's workers have joined).
public final class PackedTrees: @unchecked Sendable {
    /// The trees the slots are for.
    public let count: Int
    private let slots: UnsafeMutableBufferPointer<(nodes: Int, leafValues: Int, bytes: [UInt8])?>

    public init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    /// Packs tree `index` (nothing when the index is outside 0..<count).
    public func pack(_ tree: Tree, at index: Int) {
        guard index >= 0 && index < count else { return }
        slots[index] = (tree.nodeCount, tree.leafValues.count, ModelFileCodec.treeBytes(tree))
    }

    /// The packed bytes of tree `index` when they were packed from a tree of `tree`'s shape
    /// (node and leaf value counts: a cheap check that the slot belongs to this tree); nil
    /// otherwise, and the caller packs the tree itself.
    func bytes(at index: Int, of tree: Tree) -> [UInt8]? {
        guard index >= 0 && index < count, let slot = slots[index],
              slot.nodes == tree.nodeCount, slot.leafValues == tree.leafValues.count else { return nil }
        return slot.bytes
    }
}
