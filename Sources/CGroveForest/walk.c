// CompiledForest's batch walk over integer keys (see CGroveForest.h for the contracts).
#include "CGroveForest.h"

#include <string.h>

#define SLOTS (GROVE_WALK_SLOT_PAD + 1)

uint64_t grove_walk_key(double x) {
    if (x != x) return 0;
    if (x == 0) x = 0.0;  // -0 and +0 compare equal: one key
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}

void grove_walk_keys(const double *values, size_t count, uint64_t *keys) {
    for (size_t j = 0; j < count; j++) keys[j] = grove_walk_key(values[j]);
}

/// One step of lane g: record node i in its tree's slot, then move to the left child, or to
/// the right one when key(threshold) < key(v) (an integer compare: clang emits cmp + adc).
#define STEP(g)                                                                         \
    do {                                                                                \
        const GroveWalkNode *n = nodes + i##g;                                          \
        const uint32_t meta = n->meta;                                                  \
        s##g[meta >> 24] = (uint32_t)i##g;                                              \
        i##g = n->child + (n->key < r##g[meta & 0xFFFFFF]);                             \
    } while (0)

void grove_walk_rows(const GroveWalkNode *nodes, uint32_t first, uint32_t stop, const uint64_t *rows, size_t stride,
                     uint32_t count, uint32_t *slots) {
    const uint32_t last = count - 1;
    const uint64_t *r0 = rows, *r1 = rows + stride * (last < 1 ? last : 1);
    const uint64_t *r2 = rows + stride * (last < 2 ? last : 2), *r3 = rows + stride * (last < 3 ? last : 3);
    const uint64_t *r4 = rows + stride * (last < 4 ? last : 4), *r5 = rows + stride * (last < 5 ? last : 5);
    const uint64_t *r6 = rows + stride * (last < 6 ? last : 6), *r7 = rows + stride * (last < 7 ? last : 7);
    uint32_t *s0 = slots, *s1 = slots + SLOTS, *s2 = slots + 2 * SLOTS, *s3 = slots + 3 * SLOTS;
    uint32_t *s4 = slots + 4 * SLOTS, *s5 = slots + 5 * SLOTS, *s6 = slots + 6 * SLOTS, *s7 = slots + 7 * SLOTS;
    size_t i0 = first, i1 = first, i2 = first, i3 = first, i4 = first, i5 = first, i6 = first, i7 = first;
    // The stop node is 2^m - 1 and leads to itself: all eight have stopped when their AND is it.
    while ((i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7) != stop) {
        STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7);
    }
}
