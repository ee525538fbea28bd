// The explainer's per-row kernel, one C body compiled for three vector widths.
//
// The algorithm is ForestExplainer's (exact path-dependent TreeSHAP by Gauss-Legendre
// quadrature; read its header comment), rearranged so that each edge costs few instructions:
// - A row's decision at a node is taken on the edge itself, without a branch (masks): the
//   decisions are not predictable. The leaf the row reaches comes from a separate walk.
// - A feature that is new on the path is treated as a repeat of slot 0, a frame whose
//   factor is 1 (one fraction 1, o - z = 0); such edges (90 % on the demo forest) skip the
//   inverse. The inverse of a repeated feature's previous factor h = z + (o - z) t needs no
//   division: o is 0 or 1, so it is (1 / z) (1 / (1 - t)) or a per-edge table computed when
//   the forest is compiled; the row only selects one.
// - A leaf child's frame (relative sum: its value) is closed as soon as it is reached. Under
//   a new feature its share of the parent's R is linear in t and its credit is v (o - z) H:
//   both come from terms compiled with the forest (`leafTerms`), the row only picks the
//   decision's. Twin leaves go together.
// - Edges are pre-split into fields (no shifts or masks to decode them); frames closing in a
//   row walk their slots by pointer.
// - Small subtrees whose features are all new on the path run in registers: a node whose
//   children are twin leaves (GROVE_EXPLAIN_FUSED), and a node whose children are such a node
//   and a leaf, or two of them (GROVE_EXPLAIN_FUSED2), and a node whose children are each a
//   leaf or such a node (GROVE_EXPLAIN_FUSED3): their frames never reach memory and the row
//   takes one step instead of three to fifteen. What limits the loop is less the
//   instructions than the branches on the edge kinds, whose sequence differs in every tree
//   (BENCHMARKS.md, "third session"); fusing removes branches with the steps. The fused
//   arithmetic is the same as the steps apart, in the same order: the same bits.
// - The running frame's R and H live in registers (in memory each step would wait for the
//   previous store to be forwarded); a frame's slot keeps them while a child's subtree runs.
// - Contributions accumulate per feature in one vector lane per quadrature point and are
//   summed once per row, lanes in a fixed order.
// No fused multiply-add and a fixed summation order: every variant returns the same bits.
// Sums start from their first term, not from 0 (0 + x costs a vector add per step and
// differs from x only when x is -0): the lanes of phi and every R start at +0 and only add,
// so none is ever -0, and adding -0 or +0 to them gives the same bits.

#include "CGroveExplain.h"

#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)
// The vector helpers below are always inlined, so no vector crosses a call: the ABI warning
// for passing them without AVX-512 does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double v8d __attribute__((ext_vector_type(8)));
typedef long long v8l __attribute__((ext_vector_type(8)));
typedef double v4d __attribute__((ext_vector_type(4)));
typedef double v2d __attribute__((ext_vector_type(2)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define B GROVE_EXPLAIN_BLOCK

ALWAYS_INLINE v8d load8(const double *p) { return *(const v8d *)p; }
ALWAYS_INLINE void store8(double *p, v8d v) { *(v8d *)p = v; }
ALWAYS_INLINE v8d splat8(double x) { return (v8d)(x); }
/// Adds v to the 8 lanes at `lanes` (a feature's contributions, one lane per point).
ALWAYS_INLINE void credit(double *lanes, v8d v) { store8(lanes, load8(lanes) + v); }
/// A sum of terms, block b's term x added to the sum of the blocks before (the first block's
/// term is the sum so far: no addition of 0, which costs a vector add per step).
ALWAYS_INLINE v8d sum_in(v8d sum, uint32_t b, v8d x) { return b ? sum + x : x; }


/// The vectors of slot c (see GroveExplainScratch), block b.
#define SLOT(c) (slots + (size_t)(c) * slotStride)
#define H(c, b) (SLOT(c) + (b) * B)
#define FI(c, b) (SLOT(c) + v + (b) * B)
#define INV(c, b) (SLOT(c) + 2 * v + (b) * B)
#define R(c, b) (SLOT(c) + 3 * v + (b) * B)
#define META(c) ((GroveExplainSlot *)(SLOT(c) + 4 * v))

/// The sum of the 8 lanes, in one order on every instruction set (halves, then quarters,
/// then the pair).
ALWAYS_INLINE double sum8(v8d x) {
    const v4d h = __builtin_shufflevector(x, x, 0, 1, 2, 3) + __builtin_shufflevector(x, x, 4, 5, 6, 7);
    const v2d q = __builtin_shufflevector(h, h, 0, 1) + __builtin_shufflevector(h, h, 2, 3);
    return q[0] + q[1];
}

/// Closes the frame whose slot is `sc` (its R, `rt`, is complete): credits the feature of the
/// edge into it and leaves in `rt` the parent's R so far (what it had when the frame opened,
/// plus the frame's share) and in `h` the parent's H. `sp`: the parent's slot.
/// A repeated feature's shallower edge gets the deeper subtree's share subtracted (alpha
/// of the previous occurrence; 0 for slot 0).
ALWAYS_INLINE void close_frame(const double *restrict slots, uint32_t slotStride, uint32_t v, double *restrict phi,
                               const double *restrict sc, const double *restrict sp, uint32_t nb, v8d *rt, v8d *h) {
    const GroveExplainSlot *m = (const GroveExplainSlot *)(sc + 4 * v);
    const v8d ac = splat8(m->alpha);
    v8d acc = splat8(0);  // (overwritten by block 0's term)
    if (m->previous == 0) {
        // A feature new on the path: its inverse is 1 and there is no shallower edge.
        for (uint32_t b = 0; b < nb; b++) {
            const v8d r = rt[b];
            h[b] = load8(sp + b * B);
            acc = sum_in(acc, b, h[b] * (ac * r));
            rt[b] = load8(sp + 3 * v + b * B) + load8(sc + v + b * B) * r;
        }
    } else {
        const v8d ap = splat8(META(m->previous)->alpha);
        for (uint32_t b = 0; b < nb; b++) {
            const v8d r = rt[b];
            const v8d q = load8(sc + v + b * B) * r;
            h[b] = load8(sp + b * B);
            acc = sum_in(acc, b, h[b] * load8(sc + 2 * v + b * B) * (ac * r - ap * q));
            rt[b] = load8(sp + 3 * v + b * B) + q;
        }
    }
    double *lanes = phi + (size_t)m->feature * B;
    credit(lanes, acc);
}

/// Whether a row with value x goes left at a split (x <= threshold; NaN, unordered since
/// thresholds are finite, goes left unless missing values go right). One comparison.
ALWAYS_INLINE uint32_t goes_left(double x, double threshold, uint32_t missingRight) {
    return !(x > threshold) & ~(__builtin_isunordered(x, threshold) & missingRight);
}

/// The sum of the values (`output`) of the leaves the row reaches in trees [begin, end), added
/// in tree order. (Four trees walked in lockstep were slower: 1.06x the time per row.)
ALWAYS_INLINE double leaf_sum(const GroveExplainForest *f, uint32_t begin, uint32_t end, const double *row,
                              uint32_t output) {
    double sum = 0;
    for (uint32_t t = begin; t < end; t++) {
        uint32_t n = f->roots[t];
        for (;;) {
            const uint32_t word = f->nodeWord[n];
            if (word & GROVE_EXPLAIN_NODE_LEAF) break;
            const uint32_t left = goes_left(row[word & GROVE_EXPLAIN_NODE_FEATURE], f->nodeThreshold[n],
                                            (word & GROVE_EXPLAIN_NODE_MISSING_RIGHT) != 0);
            n = left ? n + 1 : f->nodeNext[n];
        }
        sum += f->values[f->nodeNext[n] + output];
    }
    return sum;
}

double grove_explain_leaf_sum(const GroveExplainForest *f, const double *row, uint32_t output) {
    return leaf_sum(f, 0, f->treeCount, row, output);
}

/// Whether a row takes edge e: not x > threshold (true for NaN) unless NaN goes right;
/// flipped for a right edge. One comparison, no branch.
ALWAYS_INLINE uint32_t takes(const GroveExplainEdge *e, const double *row) {
    const double x = row[e->feature], threshold = e->threshold;
    return (!(x > threshold)) ^ (__builtin_isunordered(x, threshold) & e->missingRight) ^ e->right;
}

/// Edge e into a node whose children are twin leaves, all features new on the path
/// (GROVE_EXPLAIN_FUSED), and those leaves (the next two edges), under a frame whose path
/// product is `hp` and running R `rt`: the node's frame opens, takes its leaves and closes
/// in registers, the same arithmetic as the three steps apart (so the same bits).
ALWAYS_INLINE void preterminal(const GroveExplainEdge *e, uint32_t hot, const double *restrict row,
                               const double *restrict leafTerms, const double *restrict nodes, double *restrict phi,
                               uint32_t nb, const v8d *hp, v8d *rt) {
    const GroveExplainEdge *leaf = e + 1;
    const double *terms = leafTerms + leaf->value;
    const v8d vav = splat8(terms[1 + takes(leaf, row)]), k0 = splat8(terms[0]);
    const v8d z = splat8(e->zero), av = splat8((double)hot - e->zero);
    v8d leafAcc = splat8(0), acc = splat8(0);  // (overwritten by block 0's terms)
    for (uint32_t b = 0; b < nb; b++) {
        const v8d tb = load8(nodes + b * B);
        const v8d fi = z + av * tb;
        const v8d hc = hp[b] * fi;
        const v8d r = k0 + vav * tb;
        leafAcc = sum_in(leafAcc, b, hc * vav);
        acc = sum_in(acc, b, hp[b] * (av * r));
        rt[b] = rt[b] + fi * r;
    }
    credit(phi + (size_t)leaf->feature * B, leafAcc);
    credit(phi + (size_t)e->feature * B, acc);
}

/// Leaf edge e (with its twin when it has one) under a feature new on the path, `hot` its
/// decision, in a frame of path product `hp` and running R `rt`: the leaves add v z + v a t
/// to R and v a H to the feature (summed over twins; compiled for both decisions).
ALWAYS_INLINE void new_leaves(const GroveExplainEdge *e, uint32_t hot, const double *restrict leafTerms,
                              const double *restrict nodes, double *restrict phi, uint32_t nb, const v8d *hp, v8d *rt) {
    const double *terms = leafTerms + e->value;
    const v8d vav = splat8(terms[1 + hot]), k0 = splat8(terms[0]);
    v8d acc = hp[0] * vav;
    for (uint32_t b = 1; b < nb; b++) acc += hp[b] * vav;
    for (uint32_t b = 0; b < nb; b++) rt[b] += k0 + vav * load8(nodes + b * B);
    credit(phi + (size_t)e->feature * B, acc);
}


/// A node N whose children are a lone leaf and a fused child, or two fused children, all
/// features new on the path (GROVE_EXPLAIN_FUSED2 on its edge e, `hot` that edge's decision),
/// under a frame of path product `hp` and running R `rt`; N's frame in `hn`, `rn`. Returns the
/// edges after e it spans; `closing`: the frames of its own that close at its last edge.
ALWAYS_INLINE uint32_t fused2(const GroveExplainEdge *e, uint32_t hot, const double *restrict row,
                              const double *restrict leafTerms, const double *restrict nodes, double *restrict phi,
                              uint32_t nb, const v8d *hp, v8d *rt, v8d *hn, v8d *rn, uint32_t *closing) {
    const uint32_t flags = e->flags;
    const v8d z = splat8(e->zero), av = splat8((double)hot - e->zero);
    for (uint32_t b = 0; b < nb; b++) {
        hn[b] = hp[b] * (z + av * load8(nodes + b * B));
        rn[b] = splat8(0);
    }
    uint32_t size = 4;
    if (flags & GROVE_EXPLAIN_PAIR) {
        preterminal(e + 1, takes(e + 1, row), row, leafTerms, nodes, phi, nb, hn, rn);
        preterminal(e + 4, takes(e + 4, row), row, leafTerms, nodes, phi, nb, hn, rn);
        *closing = 2;  // the second fused child's frame, then N's
        size = 6;
    } else if (flags & GROVE_EXPLAIN_LEAF_FIRST) {
        new_leaves(e + 1, takes(e + 1, row), leafTerms, nodes, phi, nb, hn, rn);
        preterminal(e + 2, takes(e + 2, row), row, leafTerms, nodes, phi, nb, hn, rn);
        *closing = 2;  // the fused child's frame, then N's
    } else {
        preterminal(e + 1, takes(e + 1, row), row, leafTerms, nodes, phi, nb, hn, rn);
        new_leaves(e + 4, takes(e + 4, row), leafTerms, nodes, phi, nb, hn, rn);
        *closing = 1;  // N's
    }
    v8d acc = splat8(0);  // (overwritten by block 0's term)
    for (uint32_t b = 0; b < nb; b++) {
        const v8d fi = z + av * load8(nodes + b * B);
        acc = sum_in(acc, b, hp[b] * (av * rn[b]));
        rt[b] = rt[b] + fi * rn[b];
    }
    credit(phi + (size_t)e->feature * B, acc);
    return size;
}

/// One child of a GROVE_EXPLAIN_FUSED3 node (edge c: a lone leaf, a fused child or a
/// GROVE_EXPLAIN_FUSED2 child) in registers; returns the edges it spans (c included) and in
/// `closing` its own frames that close at its last edge.
ALWAYS_INLINE uint32_t fused_child(const GroveExplainEdge *c, const double *restrict row,
                                   const double *restrict leafTerms, const double *restrict nodes, double *restrict phi,
                                   uint32_t nb, const v8d *hp, v8d *rt, v8d *hn, v8d *rn, uint32_t *closing) {
    const uint32_t hot = takes(c, row);
    if (c->flags & GROVE_EXPLAIN_LEAF) {
        new_leaves(c, hot, leafTerms, nodes, phi, nb, hp, rt);
        *closing = 0;
        return 1;
    }
    if (c->flags & GROVE_EXPLAIN_FUSED) {
        preterminal(c, hot, row, leafTerms, nodes, phi, nb, hp, rt);
        *closing = 1;
        return 3;
    }
    return 1 + fused2(c, hot, row, leafTerms, nodes, phi, nb, hp, rt, hn, rn, closing);
}

/// Adds tree t's contributions to phi's lanes. `nb`: the tree's blocks of quadrature points
/// (a constant where inlined); `rt`, `h`: room for nb vectors each, the running frame's R
/// (closed children) and its path product H. In registers when nb is 1: through memory,
/// each step would wait for the previous store to be forwarded (the descent's H chain is the
/// kernel's critical path).
ALWAYS_INLINE void explain_tree(const GroveExplainForest *f, uint32_t t, const double *restrict row, uint32_t output,
                                  const GroveExplainScratch *s, double *restrict phi, uint32_t nb, v8d *rt, v8d *h,
                                  v8d *hn, v8d *rn, uint32_t slotStride, uint32_t v) {
    const uint32_t begin = f->edgeStart[t], end = f->edgeStart[t + 1];
    const double *restrict values = f->values + output;
    const double *restrict leafTerms = f->leafTerms + 3 * output;
    if (begin == end) return;
    double *restrict slots = s->slots;
    const double *restrict nodes = f->rules + f->ruleOffset[t];
    const double *restrict weights = nodes + nb * B, *restrict complement = nodes + 2 * nb * B;
    const GroveExplainEdge *edges = f->edges;
    for (uint32_t b = 0; b < nb; b++) {
        h[b] = load8(weights + b * B);
        store8(H(1, b), h[b]);
        rt[b] = splat8(0);
    }
    const GroveExplainEdge *last = edges + end;
    for (const GroveExplainEdge *e = edges + begin; e < last; e++) {
        const uint32_t flags = e->flags, feature = e->feature, d = e->parent, p = e->previous;
        const uint32_t hot = takes(e, row);
        double *lanes = phi + (size_t)feature * B;
        if (flags & GROVE_EXPLAIN_LEAF) {
            // A leaf child: its frame's R would be its value at every point; close it at
            // once. Twin leaves (the next edge is the right sibling, also a leaf: same
            // parent, feature and previous occurrence) are taken together.
            const uint32_t twin = (flags & GROVE_EXPLAIN_TWIN) != 0;
            const GroveExplainEdge *right = e + twin;
            if (p == 0) {
                // A feature new on the path: its one fraction is the row's decision, the inverse is 1.
                new_leaves(e, hot, leafTerms, nodes, phi, nb, h, rt);
            } else {
                const GroveExplainSlot *previous = META(p);
                const uint32_t oneP = previous->one;
                const double value = values[e->value];
                const double valueRight = twin ? values[right->value] : 0.0;
                const double a = (double)(hot & oneP) - e->zero;
                const double aRight = twin ? (double)((hot ^ 1) & oneP) - right->zero : 0.0;
                const v8d z = splat8(e->zero), av = splat8(a), iz = splat8(f->inverseOne[e->inverseOne - B]);
                const v8l useOne = (v8l)(-(long long)oneP);
                const double *restrict inverseOne = f->inverseOne + e->inverseOne;
                const v8d vv = splat8(value), vr = splat8(valueRight), zr = splat8(right->zero), ar = splat8(aRight);
                const v8d va = splat8(value * a + valueRight * aRight), ap = splat8(previous->alpha);
                v8d acc = splat8(0);  // (overwritten by block 0's term)
                for (uint32_t b = 0; b < nb; b++) {
                    const v8d tb = load8(nodes + b * B);
                    const v8d fromZero = iz * load8(complement + b * B);
                    const v8d inv = (v8d)(((v8l)load8(inverseOne + b * B) & useOne) | ((v8l)fromZero & ~useOne));
                    const v8d q = (vv * (z + av * tb) + vr * (zr + ar * tb)) * inv;
                    rt[b] += q;
                    acc = sum_in(acc, b, h[b] * inv * (va - ap * q));
                }
                credit(lanes, acc);
            }
            e += twin;
            const double *sc = SLOT(d);
            for (uint32_t k = right->closes; k > 0; k--, sc -= slotStride) {
                close_frame(slots, slotStride, v, phi, sc, sc - slotStride, nb, rt, h);
            }
        } else if (flags & GROVE_EXPLAIN_FUSED) {
            // An internal child whose children are twin leaves, both features new on the
            // path: three steps in registers; then the frames below close as after any leaf.
            preterminal(e, hot, row, leafTerms, nodes, phi, nb, h, rt);
            e += 2;
            const double *sc = SLOT(d);
            for (uint32_t k = e->closes - 1; k > 0; k--, sc -= slotStride) {
                close_frame(slots, slotStride, v, phi, sc, sc - slotStride, nb, rt, h);
            }
        } else if (flags & GROVE_EXPLAIN_FUSED2) {
            // An internal child N whose children are a lone leaf and a fused child (above), or
            // two fused children, all features new on the path: N's frame too stays in
            // registers (`hn`, `rn`), its edges in their order (so the same bits as apart).
            uint32_t closing;
            e += fused2(e, hot, row, leafTerms, nodes, phi, nb, h, rt, hn, rn, &closing);
            const double *sc = SLOT(d);
            for (uint32_t k = e->closes - closing; k > 0; k--, sc -= slotStride) {
                close_frame(slots, slotStride, v, phi, sc, sc - slotStride, nb, rt, h);
            }
        } else if (flags & GROVE_EXPLAIN_FUSED3) {
            // An internal child N whose children are each a lone leaf, a fused child or a
            // FUSED2 child (not both leaves, not a FUSED2 shape), all features new on the path:
            // N's frame in registers (`h3`, `r3`), its children's in `hn`, `rn`.
            const v8d z = splat8(e->zero), av = splat8((double)hot - e->zero);
            v8d h3[GROVE_EXPLAIN_MAX_BLOCKS], r3[GROVE_EXPLAIN_MAX_BLOCKS];
            for (uint32_t b = 0; b < nb; b++) {
                h3[b] = h[b] * (z + av * load8(nodes + b * B));
                r3[b] = splat8(0);
            }
            uint32_t closing;
            const GroveExplainEdge *c = e + 1;
            c += fused_child(c, row, leafTerms, nodes, phi, nb, h3, r3, hn, rn, &closing);
            c += fused_child(c, row, leafTerms, nodes, phi, nb, h3, r3, hn, rn, &closing);
            v8d acc = splat8(0);  // (overwritten by block 0's term)
            for (uint32_t b = 0; b < nb; b++) {
                const v8d fi = z + av * load8(nodes + b * B);
                acc = sum_in(acc, b, h[b] * (av * r3[b]));
                rt[b] = rt[b] + fi * r3[b];
            }
            credit(lanes, acc);
            e = c - 1;
            const double *sc = SLOT(d);
            for (uint32_t k = e->closes - closing - 1; k > 0; k--, sc -= slotStride) {
                close_frame(slots, slotStride, v, phi, sc, sc - slotStride, nb, rt, h);
            }
        } else {
            // An internal child opens frame d + 1; the parent's R so far waits in its slot.
            double *sd = SLOT(d), *sc = sd + slotStride;
            GroveExplainSlot *m = (GroveExplainSlot *)(sc + 4 * v);
            m->feature = feature;
            m->previous = p;
            if (p == 0) {
                // A feature new on the path: the inverse is 1 (close_frame does not read it).
                const double a = (double)hot - e->zero;
                const v8d z = splat8(e->zero), av = splat8(a);
                m->one = hot;
                m->alpha = a;
                for (uint32_t b = 0; b < nb; b++) {
                    const v8d fi = z + av * load8(nodes + b * B);
                    const v8d hc = h[b] * fi;
                    store8(sc + v + b * B, fi);
                    store8(sc + b * B, hc);
                    h[b] = hc;
                    store8(sd + 3 * v + b * B, rt[b]);
                    rt[b] = splat8(0);
                }
            } else {
                const uint32_t oneP = META(p)->one, oneBit = hot & oneP;
                const double a = (double)oneBit - e->zero;
                const v8d z = splat8(e->zero), av = splat8(a);
                m->one = oneBit;
                m->alpha = a;
                const v8d iz = splat8(f->inverseOne[e->inverseOne - B]);
                const v8l useOne = (v8l)(-(long long)oneP);
                const double *restrict inverseOne = f->inverseOne + e->inverseOne;
                for (uint32_t b = 0; b < nb; b++) {
                    const v8d factor = z + av * load8(nodes + b * B);
                    const v8d fromZero = iz * load8(complement + b * B);
                    const v8d inv = (v8d)(((v8l)load8(inverseOne + b * B) & useOne) | ((v8l)fromZero & ~useOne));
                    const v8d fi = factor * inv;
                    const v8d hc = h[b] * fi;
                    store8(sc + v + b * B, fi);
                    store8(sc + 2 * v + b * B, inv);
                    store8(sc + b * B, hc);
                    h[b] = hc;
                    store8(sd + 3 * v + b * B, rt[b]);
                    rt[b] = splat8(0);
                }
            }
        }
    }
}

/// Trees [begin, end): their contributions into `lanes` (numFeatures x 8, overwritten), one
/// lane per quadrature point; returns the sum of the leaf values the row reaches (0 unless
/// `leaves`).
ALWAYS_INLINE double explain_trees(const GroveExplainForest *f, const double *row, uint32_t output,
                                   const GroveExplainScratch *s, double *restrict lanes, uint32_t begin, uint32_t end,
                                   int leaves) {
    memset(lanes, 0, (size_t)f->numFeatures * B * sizeof(double));
    const double hot = leaves ? leaf_sum(f, begin, end, row, output) : 0;
    v8d one[1], many[GROVE_EXPLAIN_MAX_BLOCKS], oneH[1], manyH[GROVE_EXPLAIN_MAX_BLOCKS];
    v8d oneHN[1], manyHN[GROVE_EXPLAIN_MAX_BLOCKS], oneRN[1], manyRN[GROVE_EXPLAIN_MAX_BLOCKS];
    for (uint32_t t = begin; t < end; t++) {
        if (s->maxBlocks == 1) {
            // The common case (8 points or fewer in every tree): constant strides.
            explain_tree(f, t, row, output, s, lanes, 1, one, oneH, oneHN, oneRN, 4 * B + 8, B);
        } else if (f->blocks[t] == 1) {
            explain_tree(f, t, row, output, s, lanes, 1, one, oneH, oneHN, oneRN, s->slotStride, s->maxBlocks * B);
        } else {
            explain_tree(f, t, row, output, s, lanes, f->blocks[t], many, manyH, manyHN, manyRN, s->slotStride,
                         s->maxBlocks * B);
        }
    }
    return hot;
}

static double explain_portable(const GroveExplainForest *f, const double *row, uint32_t output,
                               const GroveExplainScratch *s, uint32_t begin, uint32_t end, int leaves) {
    return explain_trees(f, row, output, s, s->phi, begin, end, leaves);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static double explain_avx2(const GroveExplainForest *f, const double *row,
                                                               uint32_t output, const GroveExplainScratch *s,
                                                               uint32_t begin, uint32_t end, int leaves) {
    return explain_trees(f, row, output, s, s->phi, begin, end, leaves);
}

__attribute__((target("avx512f"))) static double explain_avx512(const GroveExplainForest *f, const double *row,
                                                                uint32_t output, const GroveExplainScratch *s,
                                                                uint32_t begin, uint32_t end, int leaves) {
    return explain_trees(f, row, output, s, s->phi, begin, end, leaves);
}
#endif

int grove_explain_supported(GroveExplainISA isa) {
    switch (isa) {
    case GROVE_EXPLAIN_PORTABLE: return 1;
#if defined(__x86_64__)
    case GROVE_EXPLAIN_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GROVE_EXPLAIN_AVX512: return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

GroveExplainISA grove_explain_best(void) {
    GroveExplainISA cap = GROVE_EXPLAIN_AVX512;
    const char *wanted = getenv("GROVE_EXPLAIN_ISA");
    if (wanted && strcmp(wanted, "portable") == 0) cap = GROVE_EXPLAIN_PORTABLE;
    if (wanted && strcmp(wanted, "avx2") == 0) cap = GROVE_EXPLAIN_AVX2;
    for (int isa = cap; isa > GROVE_EXPLAIN_PORTABLE; isa--) {
        if (grove_explain_supported((GroveExplainISA)isa)) return (GroveExplainISA)isa;
    }
    return GROVE_EXPLAIN_PORTABLE;
}

double grove_explain_trees(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                           const GroveExplainScratch *scratch, uint32_t begin, uint32_t end, int leaves) {
#if defined(__x86_64__)
    if (isa == GROVE_EXPLAIN_AVX512) return explain_avx512(forest, row, output, scratch, begin, end, leaves);
    if (isa == GROVE_EXPLAIN_AVX2) return explain_avx2(forest, row, output, scratch, begin, end, leaves);
#endif
    (void)isa;
    return explain_portable(forest, row, output, scratch, begin, end, leaves);
}

void grove_explain_reduce(const GroveExplainForest *forest, double *lanes) {
    // In place: feature j's sum lands at j, in a block of 8 lanes already summed (j <= 8 j).
    for (uint32_t j = 0; j < forest->numFeatures; j++) {
        const double sum = sum8(load8(lanes + (size_t)j * B));
        lanes[j] = sum;
    }
}

void grove_explain_combine(const GroveExplainForest *forest, const double *first, const double *second, double *phi) {
    for (uint32_t j = 0; j < forest->numFeatures; j++) phi[j] = first[j] + second[j];
}
