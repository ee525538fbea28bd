// CGroveForest: what GroveForest needs that Swift does not express: the tree learner's prefetch
// hint, and CompiledForest's batch walk over integer keys, whose compare must be an integer
// compare (see below).
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
/// NaN never goes right. Infinities keep their order. Branch-free.
uint64_t grove_walk_key(double x);

/// Words of slots per lane (a round's trees, and the stop node's slot).
#define GROVE_WALK_SLOT_PAD 255

/// Chains per round: the one-row walk walks them all in lockstep (independent chains of loads
/// that hide each other's latency), a batch walks them one at a time. (Measured: 12 and 16 are
/// slower than 8 for one row; the lanes' indices no longer fit the registers.)
#define GROVE_WALK_CHAINS 8

/// The most features a forest may have to be walked over keys (`feature8` fits 16 bits, and a
/// group of eight rows' keys fits CompiledForest's 32 KiB key block).
#define GROVE_WALK_MAX_FEATURES 512

/// Per node, beside its threshold's key (`nodeKeys[i]`): 8 bytes, so node i's key and link are
/// both at `8 * i` in their arrays (no index arithmetic in a step).
typedef struct GroveWalkLink {
    uint32_t child;     ///< left child (right = child + 1); leaf: next tree of the chain; stop node: itself
    uint16_t feature8;  ///< the node's feature times 8 (leaf and stop node: 0)
    uint16_t slot;      ///< its tree's position in its round; the stop node: GROVE_WALK_SLOT_PAD
} GroveWalkLink;

/// Converts `count` (1...8) rows of `featureCount` values, consecutive from `rows`, into one
/// group of lanes: keys[f * 8 + g] = key of row g's feature f; lanes past `count` repeat the
/// last row. `keys` holds 8 * featureCount words.
void grove_walk_lane_keys(const double *rows, size_t featureCount, uint32_t count, uint64_t *keys);

/// Walks the eight lanes of one group (`keys`, as grove_walk_lane_keys writes it) from node
/// `first` in lockstep until every walk reaches `stop` (a node `2^m - 1` that leads to itself;
/// every walk from `first` must reach it). Lane g writes each node it steps on into
/// `slots[g * (GROVE_WALK_SLOT_PAD + 1) + slot]`, so a tree's slot ends holding its leaf.
/// NaN (key 0) goes left at every node.
void grove_walk_lanes(const uint64_t *nodeKeys, const GroveWalkLink *links, uint32_t first, uint32_t stop,
                      const uint64_t *keys, uint32_t *slots);

/// A node for the one-row walk: its threshold's key and its link in one 16-byte record, so a
/// step reads one cache line (a row's walk reads the forest from L2: one line per step, not two).
typedef struct GroveWalkNode {
    uint64_t key;       ///< the threshold's key (leaf and stop node: +infinity's)
    GroveWalkLink link; ///< as for the batch walk (feature8 = feature * 8: the byte offset of the row's key)
} GroveWalkNode;

/// What the one-row walk over keys reads of a compiled forest (CompiledForest owns the memory).
typedef struct GroveWalkForest {
    const GroveWalkNode *nodes;     ///< per node, its key and link
    const intptr_t *chainStarts;    ///< per round, the first node of each of its GROVE_WALK_CHAINS chains
    const intptr_t *roundStarts;    ///< per round, its first tree; roundCount + 1 entries
    const uint32_t *leafIndex;      ///< per leaf node, the offset of its outputs in leafValues
    const double *leafValues;
    size_t roundCount;
    size_t featureCount;            ///< at most GROVE_WALK_MAX_FEATURES
    size_t outputCount;
    uint32_t stop;                  ///< the stop node, 2^m - 1
} GroveWalkForest;

/// Sums one row's leaves into `out` (`outputCount` values, zeroed here): the row's values become
/// keys once, then each round's GROVE_WALK_CHAINS chains are walked in lockstep until all reach
/// the stop node, and the round's leaves are added in tree order (the same additions, in the same
/// order, as CompiledForest's Swift walk: the same bits). NaN goes left at every node: only for
/// forests without missing-right nodes, or rows without NaN. Uses about 5 KiB of stack.
void grove_walk_row(const GroveWalkForest *forest, const double *row, double *out);

#endif
