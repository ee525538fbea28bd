// CompiledForest's walks over integer keys (see CGroveForest.h for the contracts).
#include "CGroveForest.h"

#include <string.h>

#define SLOTS (GROVE_WALK_SLOT_PAD + 1)

uint64_t grove_walk_key(double x) {
    const double y = x + 0.0;  // -0 + 0 is +0: -0 and +0 compare equal, one key
    uint64_t b;
    memcpy(&b, &y, sizeof b);
    const uint64_t negative = (uint64_t)((int64_t)b >> 63);  // all ones when the sign bit is set
    const uint64_t key = b ^ (negative | 0x8000000000000000ull);
    return key & (0 - (uint64_t)(x == x));  // NaN: 0
}

void grove_walk_lane_keys(const double *rows, size_t featureCount, uint32_t count, uint64_t *keys) {
    const uint32_t last = count - 1;
    for (uint32_t g = 0; g < 8; g++) {
        const double *row = rows + featureCount * (g < last ? g : last);
        for (size_t f = 0; f < featureCount; f++) keys[f * 8 + g] = grove_walk_key(row[f]);
    }
}

/// One step of lane g of a batch: record node i in the lane's slot of its tree, then move to
/// the left child, or the right one when key(threshold) < key(v): an integer compare whose
/// carry is added to the child (cmp + adc). The lane's value of the node's feature is at
/// keys[feature * 8 + g]: one base register for all eight lanes.
#define LANE_STEP(g)                                                                    \
    do {                                                                                \
        const GroveWalkLink l = links[i##g];                                            \
        slots[g * SLOTS + l.slot] = (uint32_t)i##g;                                     \
        i##g = l.child + (nodeKeys[i##g] < keys[(size_t)l.feature8 + g]);               \
    } while (0)

void grove_walk_lanes(const uint64_t *restrict nodeKeys, const GroveWalkLink *restrict links, uint32_t first,
                      uint32_t stop, const uint64_t *restrict keys, uint32_t *restrict slots) {
    size_t i0 = first, i1 = first, i2 = first, i3 = first, i4 = first, i5 = first, i6 = first, i7 = first;
    // The stop node is 2^m - 1 and leads to itself: all eight have stopped when their AND is it.
    while ((i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7) != stop) {
        LANE_STEP(0); LANE_STEP(1); LANE_STEP(2); LANE_STEP(3);
        LANE_STEP(4); LANE_STEP(5); LANE_STEP(6); LANE_STEP(7);
    }
}

/// One step of chain g of one row: as LANE_STEP, over one 16-byte record per node, and the
/// row's keys are not interleaved: feature8 is the byte offset of the feature's key.
#define ROW_STEP(g)                                                                               \
    do {                                                                                          \
        const GroveWalkNode *n = nodes + i##g;                                                    \
        slots[n->link.slot] = (uint32_t)i##g;                                                     \
        i##g = n->link.child + (n->key < *(const uint64_t *)((const char *)keys + n->link.feature8)); \
    } while (0)

#if GROVE_WALK_CHAINS != 8
#error "grove_walk_row walks 8 chains"
#endif

static inline void walk_row_round(const GroveWalkNode *restrict nodes, const intptr_t *s, size_t stop,
                                  const uint64_t *restrict keys, uint32_t *restrict slots) {
    size_t i0 = s[0], i1 = s[1], i2 = s[2], i3 = s[3], i4 = s[4], i5 = s[5], i6 = s[6], i7 = s[7];
    while ((i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7) != stop) {
        ROW_STEP(0); ROW_STEP(1); ROW_STEP(2); ROW_STEP(3);
        ROW_STEP(4); ROW_STEP(5); ROW_STEP(6); ROW_STEP(7);
    }
}

void grove_walk_row(const GroveWalkForest *forest, const double *row, double *out) {
    uint64_t keys[GROVE_WALK_MAX_FEATURES];
    uint32_t slots[SLOTS];
    const size_t n = forest->featureCount, k = forest->outputCount;
    for (size_t j = 0; j < n; j++) keys[j] = grove_walk_key(row[j]);
    for (size_t c = 0; c < k; c++) out[c] = 0;
    const uint32_t *leafIndex = forest->leafIndex;
    const double *values = forest->leafValues;
    for (size_t r = 0; r < forest->roundCount; r++) {
        walk_row_round(forest->nodes, forest->chainStarts + r * GROVE_WALK_CHAINS, forest->stop, keys, slots);
        const size_t trees = (size_t)(forest->roundStarts[r + 1] - forest->roundStarts[r]);
        // The leaves in tree order, as CompiledForest.addLeaves adds them.
        if (k == 2) {
            double a0 = out[0], a1 = out[1];
            for (size_t t = 0; t < trees; t++) {
                const size_t o = leafIndex[slots[t]];
                a0 += values[o];
                a1 += values[o + 1];
            }
            out[0] = a0;
            out[1] = a1;
        } else {
            for (size_t t = 0; t < trees; t++) {
                const size_t o = leafIndex[slots[t]];
                for (size_t c = 0; c < k; c++) out[c] += values[o + c];
            }
        }
    }
}
