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

/// Converts `count` (1...8) rows of `featureCount` values, consecutive from `rows`, into one
/// group of lanes: keys[f * 8 + g] = key of row g's feature f; lanes past `count` repeat the
/// last row.
static void lane_keys(const double *rows, size_t featureCount, size_t count, uint64_t *keys) {
    const size_t last = count - 1;
    for (size_t g = 0; g < 8; g++) {
        const double *row = rows + featureCount * (g < last ? g : last);
        for (size_t f = 0; f < featureCount; f++) keys[f * 8 + g] = grove_walk_key(row[f]);
    }
}

/// One step of lane g of a batch (see GroveBatchForest): record node i in the lane's slot of its
/// tree, then move to the left child, or the right one when words[i] < the lane's key of the
/// node's feature: an integer compare whose carry is added to the child.
#define BATCH_STEP(g)                                                                              \
    do {                                                                                           \
        const uint64_t link = words[i##g + 2];                                                     \
        slots[g * SLOTS + ((link >> 16) & 0xFFFF)] = (uint32_t)i##g;                               \
        i##g = (link >> 32) + (words[i##g] < keys[(link & 0xFFFF) + g]);                           \
    } while (0)

/// Walks a group's eight lanes from node `first` in lockstep until all have reached `stop`,
/// the node 2^m - 1 that leads to itself: all eight have stopped when their AND is it. Two
/// rounds per test (a round past the stop steps on the stop node and records it in the pad slot).
static void walk_group_portable(const uint64_t *restrict words, size_t first, size_t stop,
                                const uint64_t *restrict keys, uint32_t *restrict slots) {
    size_t i0 = first, i1 = first, i2 = first, i3 = first, i4 = first, i5 = first, i6 = first, i7 = first;
    while ((i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7) != stop) {
        BATCH_STEP(0); BATCH_STEP(1); BATCH_STEP(2); BATCH_STEP(3);
        BATCH_STEP(4); BATCH_STEP(5); BATCH_STEP(6); BATCH_STEP(7);
        BATCH_STEP(0); BATCH_STEP(1); BATCH_STEP(2); BATCH_STEP(3);
        BATCH_STEP(4); BATCH_STEP(5); BATCH_STEP(6); BATCH_STEP(7);
    }
}

// The assembly needs fourteen general registers; an AddressSanitizer build at -O0 leaves fewer
// (clang: "inline assembly requires more registers than available"), so it takes the portable loop.
#if defined(__SANITIZE_ADDRESS__)
#define GROVE_WALK_ASM 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GROVE_WALK_ASM 0
#endif
#endif
#if !defined(GROVE_WALK_ASM)
#if defined(__x86_64__)
#define GROVE_WALK_ASM 1
#else
#define GROVE_WALK_ASM 0
#endif
#endif

#if GROVE_WALK_ASM
#define GROVE_STR_(x) #x
#define GROVE_STR(x) GROVE_STR_(x)
// BATCH_STEP in x86-64 assembly (baseline instructions only): one load of the link word, the
// feature and slot taken from it in registers, the store, the node's key, `cmp` with the lane's
// key in memory, `adc`. Four memory accesses per step instead of the compiler's six, and no
// spills: the eight lanes, three bases and three scratch registers fit the sixteen.
#define ASM_STEP(I, g)                                                    \
    "movq 16(%[w],%[" #I "],8), %[a]\n\t"      /* a = link */           \
    "movzwl %w[a], %k[b]\n\t"                  /* b = feature * 8 */     \
    "movl %k[a], %k[c]\n\t"                                              \
    "shrl $16, %k[c]\n\t"                      /* c = slot */            \
    "movl %k[" #I "], " GROVE_STR(g) "*1024(%[s],%q[c],4)\n\t"           \
    "shrq $32, %[a]\n\t"                       /* a = left child */      \
    "movq (%[w],%[" #I "],8), %[c]\n\t"        /* c = node key */        \
    "movq %[a], %[" #I "]\n\t"                                           \
    "cmpq " GROVE_STR(g) "*8(%[k],%q[b],8), %[c]\n\t"                    \
    "adcq $0, %[" #I "]\n\t"
#define ASM_ROUND ASM_STEP(i0, 0) ASM_STEP(i1, 1) ASM_STEP(i2, 2) ASM_STEP(i3, 3) \
                  ASM_STEP(i4, 4) ASM_STEP(i5, 5) ASM_STEP(i6, 6) ASM_STEP(i7, 7)
#if GROVE_WALK_SLOT_PAD != 255
#error "ASM_STEP's lane stride is 1024 bytes: 256 slots"
#endif

/// walk_group_portable's steps in assembly (same nodes, same slots written).
static void walk_group_x86(const uint64_t *words, size_t first, size_t stop, const uint64_t *keys, uint32_t *slots) {
    uint64_t i0 = first, i1 = first, i2 = first, i3 = first, i4 = first, i5 = first, i6 = first, i7 = first;
    uint64_t a, b, c;
    const uint64_t st = stop;
    __asm__ volatile(
        "1:\n\t"
        ASM_ROUND ASM_ROUND
        "movq %[i0], %[a]\n\t"
        "andq %[i1], %[a]\n\t"
        "andq %[i2], %[a]\n\t"
        "andq %[i3], %[a]\n\t"
        "andq %[i4], %[a]\n\t"
        "andq %[i5], %[a]\n\t"
        "andq %[i6], %[a]\n\t"
        "andq %[i7], %[a]\n\t"
        "cmpq %[st], %[a]\n\t"
        "jne 1b\n\t"
        : [i0] "+r"(i0), [i1] "+r"(i1), [i2] "+r"(i2), [i3] "+r"(i3), [i4] "+r"(i4), [i5] "+r"(i5),
          [i6] "+r"(i6), [i7] "+r"(i7), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c)
        : [w] "r"(words), [k] "r"(keys), [s] "r"(slots), [st] "m"(st)
        : "cc", "memory");
}
#endif

/// Adds the leaves a lane recorded in `slots[lo..<hi]` to `out` (k values), in tree order.
static inline void add_leaves(const uint64_t *words, const double *values, const uint32_t *slots, size_t lo,
                              size_t hi, size_t k, double *out) {
    if (k == 2) {
        double a0 = out[0], a1 = out[1];
        for (size_t j = lo; j < hi; j++) {
            const size_t o = (size_t)(words[slots[j]] - GROVE_WALK_KEY_INFINITY);
            a0 += values[o];
            a1 += values[o + 1];
        }
        out[0] = a0;
        out[1] = a1;
    } else if (k == 1) {
        double a0 = out[0];
        for (size_t j = lo; j < hi; j++) a0 += values[words[slots[j]] - GROVE_WALK_KEY_INFINITY];
        out[0] = a0;
    } else {
        for (size_t j = lo; j < hi; j++) {
            const size_t o = (size_t)(words[slots[j]] - GROVE_WALK_KEY_INFINITY);
            for (size_t c = 0; c < k; c++) out[c] += values[o + c];
        }
    }
}

void grove_walk_batch(const GroveBatchForest *forest, const double *rows, size_t count, double *out, int portable) {
    uint64_t keys[GROVE_BATCH_KEY_ROOM];
    uint32_t slots[8 * SLOTS];
    const size_t f = forest->featureCount, k = forest->outputCount, stop = forest->stop;
    const uint64_t *words = forest->words;
    const size_t groupKeys = 8 * f;
    const size_t groups = groupKeys > 0 ? GROVE_BATCH_KEY_ROOM / groupKeys : 1;
    const size_t blockRows = 8 * (groups > 0 ? groups : 1);
    void (*walk)(const uint64_t *, size_t, size_t, const uint64_t *, uint32_t *) = walk_group_portable;
#if GROVE_WALK_ASM
    if (!portable) walk = walk_group_x86;
#else
    (void)portable;
#endif
    for (size_t j = 0; j < count * k; j++) out[j] = 0;
    for (size_t b = 0; b < count; b += blockRows) {
        const size_t e = count - b < blockRows ? count : b + blockRows;
        for (size_t r = b; r < e; r += 8) lane_keys(rows + r * f, f, e - r < 8 ? e - r : 8, keys + (r - b) / 8 * groupKeys);
        for (size_t c = 0; c < forest->chainCount; c++) {
            const size_t first = forest->chainStarts[c];
            if (first == stop) continue;
            const intptr_t round = forest->roundStarts[c / GROVE_WALK_CHAINS];
            const size_t lo = (size_t)(forest->chainTrees[c] - round), hi = (size_t)(forest->chainTrees[c + 1] - round);
            for (size_t r = b; r < e; r += 8) {
                walk(words, first, stop, keys + (r - b) / 8 * groupKeys, slots);
                const size_t n = e - r < 8 ? e - r : 8;
                for (size_t g = 0; g < n; g++) {
                    add_leaves(words, forest->leafValues, slots + g * SLOTS, lo, hi, k, out + (r + g) * k);
                }
            }
        }
    }
}

/// One step of chain g of one row: as BATCH_STEP, over one 16-byte record per node, and the
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
