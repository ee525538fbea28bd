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
/// group of eight rows' keys fits GROVE_BATCH_KEY_ROOM).
#define GROVE_WALK_MAX_FEATURES 512

/// Per node: its child, feature times 8 and slot (the one-row walk's `GroveWalkNode` holds one
/// beside the node's key).
typedef struct GroveWalkLink {
    uint32_t child;     ///< left child (right = child + 1); leaf: next tree of the chain; stop node: itself
    uint16_t feature8;  ///< the node's feature times 8 (leaf and stop node: 0)
    uint16_t slot;      ///< its tree's position in its round; the stop node: GROVE_WALK_SLOT_PAD
} GroveWalkLink;

/// Keys of rows a batch converts at a time (32 KiB on the C stack): groups of eight rows, so at
/// least one group of a forest of GROVE_WALK_MAX_FEATURES features.
#define GROVE_BATCH_KEY_ROOM 4096

/// +infinity's key (`grove_walk_key(INFINITY)`): no key is above it.
#define GROVE_WALK_KEY_INFINITY 0xFFF0000000000000ull

/// What the batch walk over keys reads of a compiled forest (CompiledForest owns the memory).
///
/// The nodes are sibling pairs in 32-byte blocks of four 8-byte words, {key of the left node, key
/// of the right node, link of the left, link of the right}: node i = 4 * block + side has its key
/// in words[i] and its link in words[i + 2] (one base register and one cache line per pair; the
/// right child is the left child + 1). A link word is feature8 | slot << 16 | child << 32, as in
/// GroveWalkLink. A leaf's key is GROVE_WALK_KEY_INFINITY plus the offset of its outputs in
/// leafValues (at or above every row's key: a leaf always leads to its `child`). A tree's root
/// without a sibling has a block of its own. The stop node `stop` = 2^m - 1 has its key in
/// words[stop] and its link in words[stop + 2], in two blocks past every node's.
typedef struct GroveBatchForest {
    const uint64_t *words;
    const uint32_t *chainStarts;    ///< per chain (round * GROVE_WALK_CHAINS + chain), its first node; `stop` when empty
    const intptr_t *chainTrees;     ///< per chain, its first tree; chainCount + 1 entries
    const intptr_t *roundStarts;    ///< per round, its first tree; roundCount + 1 entries
    const double *leafValues;
    size_t chainCount;              ///< roundCount * GROVE_WALK_CHAINS
    size_t featureCount;            ///< at most GROVE_WALK_MAX_FEATURES
    size_t outputCount;
    uint32_t stop;
} GroveBatchForest;

/// Sums the leaves of `count` rows (`featureCount` values each, consecutive from `rows`) into `out`
/// (`outputCount` values per row, zeroed here). Blocks of rows (as many groups of eight as
/// GROVE_BATCH_KEY_ROOM keys hold) become keys interleaved by group (keys[f * 8 + lane]: one base
/// register for eight lanes); then chain by chain (a chain's nodes stay in cache), each group's
/// eight lanes walk the chain in lockstep until all reach the stop node, every step recording
/// its node in its tree's slot (the last node recorded is the tree's leaf), and each row adds the
/// chain's leaves. Chains are visited in tree order, so every row adds its leaves in tree order:
/// the same additions as CompiledForest's Swift walk, the same bits. NaN goes left at every node
/// (forests without missing-right nodes). On x86-64 the lockstep loop is assembly (fewer loads
/// per step than the compiler's code, which spills the lanes) unless `portable` is nonzero or
/// the build has AddressSanitizer; the portable loop takes the same steps. Uses about 41 KiB of
/// stack.
void grove_walk_batch(const GroveBatchForest *forest, const double *rows, size_t count, double *out, int portable);

/// A node for the one-row walk: its threshold's key and its link in one 16-byte record, so a
/// step reads one cache line (a row's walk reads the forest from L2: one line per step, not two).
typedef struct GroveWalkNode {
    uint64_t key;       ///< the threshold's key (leaf and stop node: +infinity's)
    GroveWalkLink link; ///< feature8 = feature * 8: the byte offset of the row's key
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
