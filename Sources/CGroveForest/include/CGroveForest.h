// CGroveForest: what GroveForest needs that Swift does not express: the tree learner's prefetch
// hint, and CompiledForest's batch walk, whose compare must be an integer compare (see below).
#ifndef CGROVEFOREST_H
#define CGROVEFOREST_H

#include <stddef.h>
#include <stdint.h>

/// Asks the CPU to start loading the cache line holding `address` (a hint: it never faults,
/// whatever the address, and changes no result). The tree learner reads the rows of a node
/// in index order but scattered through memory; it names the rows a few samples ahead so
/// their feature codes arrive before they are needed.
static inline void grove_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// The order-preserving key of a double: for non-NaN x and y, x > y exactly when
/// key(x) > key(y) (-0 and +0 share one key); NaN's key is 0, below every other key, so
/// NaN never goes right. Infinities keep their order.
uint64_t grove_walk_key(double x);

/// keys[j] = grove_walk_key(values[j]) for j < count.
void grove_walk_keys(const double *values, size_t count, uint64_t *keys);

/// CompiledForest's 16-byte batch node: its `PackedNode` with the threshold as a key.
typedef struct GroveWalkNode {
    uint64_t key;    ///< key of the threshold: go right when key < key(v); leaf and stop node: key(+infinity)
    uint32_t meta;   ///< feature (low 24 bits), the node's slot: its tree's position in its round (high 8 bits)
    uint32_t child;  ///< left child (right = child + 1); leaf: next tree of the chain; stop node: itself
} GroveWalkNode;

/// Words of slots per lane.
#define GROVE_WALK_SLOT_PAD 255

/// Walks `count` (1...8) rows of keys, `stride` keys apart from `rows`, from node `first` in
/// lockstep until every walk reaches `stop` (a node `2^m - 1` that leads to itself; every walk
/// from `first` must reach it). Lane g writes each node it steps on into
/// `slots[g * (GROVE_WALK_SLOT_PAD + 1) + slot]`, so a tree's slot ends holding its leaf.
/// Lanes past `count` repeat the last row. NaN (key 0) goes left at every node.
void grove_walk_rows(const GroveWalkNode *nodes, uint32_t first, uint32_t stop, const uint64_t *rows, size_t stride,
                     uint32_t count, uint32_t *slots);

#endif
