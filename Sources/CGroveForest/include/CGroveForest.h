// CGroveForest: the one CPU hint the tree learner needs that Swift cannot express.
// Only GroveForest's TreeLearner imports this module.
#ifndef CGROVEFOREST_H
#define CGROVEFOREST_H

/// Asks the CPU to start loading the cache line holding `address` (a hint: it never faults,
/// whatever the address, and changes no result). The tree learner reads the rows of a node
/// in index order but scattered through memory; it names the rows a few samples ahead so
/// their feature codes arrive before they are needed.
static inline void grove_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
