// CGroveExplain: the explainer's per-row kernel (exact TreeSHAP by quadrature), in C so one
// source compiles for several vector widths and the CPU picks one at run time.
//
// GroveForest's ForestExplainer compiles a forest into the tables below (see its header
// comment for the algorithm) and calls `grove_explain_row`. The Swift implementation in
// ForestExplainer stays as the reference; tests hold both to the brute-force oracle.
#ifndef CGROVEEXPLAIN_H
#define CGROVEEXPLAIN_H

#include <stdint.h>

/// Quadrature points per block: one 512-bit vector of doubles (two AVX2 or four SSE2 ones).
#define GROVE_EXPLAIN_BLOCK 8
/// Most blocks of one tree (ForestExplainer's 512 points at most).
#define GROVE_EXPLAIN_MAX_BLOCKS 64

/// GroveExplainEdge.flags.
#define GROVE_EXPLAIN_LEAF 2u   /* the child is a leaf */
#define GROVE_EXPLAIN_TWIN 8u   /* a leaf whose right sibling (the next edge) is a leaf too */
/* An edge to an internal child whose two children are leaves, its feature and theirs both new
   on the path: the next two edges are those twin leaves, and the kernel takes all three at
   once (the child's frame never reaches memory). */
#define GROVE_EXPLAIN_FUSED 16u
/* An edge to an internal child whose children are a lone leaf and a fused child (above), or
   two fused children (GROVE_EXPLAIN_PAIR), the child's feature new on the path: the next four
   (six) edges are that subtree's (the leaf first when GROVE_EXPLAIN_LEAF_FIRST), taken at once. */
#define GROVE_EXPLAIN_FUSED2 32u
/* An edge to an internal child whose children are each a lone leaf, a GROVE_EXPLAIN_FUSED child
   or a GROVE_EXPLAIN_FUSED2 child (not two leaves, and not a shape GROVE_EXPLAIN_FUSED2 covers),
   the child's feature new on the path: the next edges are those children's, taken at once. */
#define GROVE_EXPLAIN_FUSED3 4u
#define GROVE_EXPLAIN_LEAF_FIRST 64u
#define GROVE_EXPLAIN_PAIR 128u

/// Node words (GroveExplainForest.nodeWord).
#define GROVE_EXPLAIN_NODE_LEAF 0x80000000u
#define GROVE_EXPLAIN_NODE_MISSING_RIGHT 0x40000000u
#define GROVE_EXPLAIN_NODE_FEATURE 0x0FFFFFFFu

/// One edge from an internal node to a child, in the tree's depth-first order (left
/// subtree first), with everything that does not depend on the row, in fields the kernel
/// reads without shifts or masks; 40 bytes (a forest's edges are streamed once per row, so
/// their size is memory traffic).
typedef struct GroveExplainEdge {
    /// The parent's split: a row goes left when x <= threshold (strict splits are stored
    /// as x <= nextDown(t)); NaN goes left unless `missingRight`.
    double threshold;
    /// The feature's combined zero fraction on this path (product of its cover fractions).
    double zero;
    /// The parent's split feature (encoded index).
    uint32_t feature;
    /// A leaf child under a feature that repeats on the path: the offset of its outputs in
    /// the forest's `values`. Under a feature new on the path: the offset in `leafTerms` of
    /// its terms (twin leaves: one entry for both, in the left edge). Else 0.
    uint32_t value;
    /// Offset (doubles) in `inverseOne` of 1 / h at the previous occurrence's points when the
    /// row satisfied it (h = z + (1 - z) t), preceded by a block whose first double is 1 /
    /// the previous occurrence's zero fraction (0 when that is 0); a block of ones when the
    /// feature is new.
    uint32_t inverseOne;
    /// The parent's slot (its depth + 1; slot 0 is the "no previous occurrence" frame), the
    /// slot where the feature last appeared above on the path (0: none) and the frames that
    /// close after this edge (a leaf ending one or more subtrees). Slots stay below 1,024:
    /// trees are at most ForestExplainer.depthLimit = 512 deep.
    uint16_t parent;
    uint16_t previous;
    uint16_t closes;
    /// GROVE_EXPLAIN_LEAF | _TWIN | _FUSED | _FUSED2 | _FUSED3 | _LEAF_FIRST | _PAIR.
    uint8_t flags;
    /// 1: the edge to the right child (else 0). 1: the parent sends missing values right.
    /// Bytes of their own, so the row's decision costs no shifts or masks.
    uint8_t right;
    uint8_t missingRight;
} GroveExplainEdge;

/// A compiled forest (read only; ForestExplainer owns the memory). Every `double` table the
/// kernel reads as vectors (rules, inverseOne) is 64-byte aligned.
typedef struct GroveExplainForest {
    const GroveExplainEdge *edges;
    /// Per tree (treeCount + 1 entries): where its edges start in `edges`.
    const uint32_t *edgeStart;
    /// Per tree: blocks of quadrature points (1 ... maxBlocks).
    const uint32_t *blocks;
    /// Per tree: offset in `rules` of its rule: nodes t, weights w, then 1 / (1 - t), each
    /// blocks x 8 doubles (unused points: weight 0, t = 1/2).
    const uint32_t *ruleOffset;
    /// Per tree: its root's index in the node arrays below.
    const uint32_t *roots;
    /// Per node (all trees, depth-first preorder: a node's left child is the next node):
    /// its threshold, its word (feature | GROVE_EXPLAIN_NODE_* bits) and its right child, or
    /// for a leaf the offset of its outputs in `values`. Only for the leaf a row reaches.
    const double *nodeThreshold;
    const uint32_t *nodeWord;
    const uint32_t *nodeNext;
    const double *rules;
    const double *inverseOne;
    const double *values;
    /// Per leaf edge (or twin pair) under a feature new on the path, per output, three
    /// doubles: v z summed over the leaves (their share of the parent's R is that plus
    /// a t), then v a summed over them when the row does not take the edge and when it
    /// does (a = o - z, o the row's decision). `numOutputs` x 3 doubles per entry.
    const double *leafTerms;
    uint32_t treeCount;
    uint32_t numFeatures;
    uint32_t numOutputs;
    /// Where a row's trees are cut in two (0 ... treeCount, about half the edges before it):
    /// the contributions of trees [0, splitTree) and [splitTree, treeCount) are summed apart,
    /// then added, on one thread or two (grove_explain_row), so both give the same bits.
    uint32_t splitTree;
} GroveExplainForest;

/// Per-thread working memory (ExplainScratch owns it): one record per frame slot (deepest
/// tree + 2 slots; slot 0 is the frame of features new on the path, its one fraction 1 and
/// alpha 0), each `slotStride` doubles, 64-byte aligned. With V = maxBlocks x 8 doubles, a
/// slot holds at [0, V) the path product H (weights included), [V, 2V) the frame's factor
/// times `inverse`, [2V, 3V) the inverse of the previous occurrence's factor (ones if none),
/// [3V, 4V) the frame's relative sum R so far (saved while a child's subtree runs), then a
/// GroveExplainSlot. Slot 0: one fraction 1, alpha 0.
typedef struct GroveExplainScratch {
    double *slots;
    double *phi;          /* numFeatures x 8 lanes: contributions per feature and quadrature lane (after
                             grove_explain_reduce, the first numFeatures doubles: each feature's sum) */
    uint32_t slotStride;  /* doubles per slot: 4 x maxBlocks x 8 + 8 */
    uint32_t maxBlocks;
    double *row;          /* numFeatures doubles: the row's copy while this scratch is lent to a helper */
} GroveExplainScratch;

/// The scalars of a frame slot (after its vectors; 64 bytes).
typedef struct GroveExplainSlot {
    double alpha;       /* o - z */
    uint32_t feature;   /* the feature of the edge into the frame */
    uint32_t previous;  /* the slot of its previous occurrence (0: none) */
    uint32_t one;       /* the combined one fraction o of the frame's feature (0 or 1) */
    uint32_t reserved[11];
} GroveExplainSlot;

/// Instruction sets the kernel is built for (x86-64; other CPUs have only the portable one).
typedef enum GroveExplainISA {
    GROVE_EXPLAIN_PORTABLE = 0,  /* the compiler's baseline (SSE2 on x86-64, NEON on aarch64) */
    GROVE_EXPLAIN_AVX2 = 1,      /* AVX2 + FMA registers, 256-bit */
    GROVE_EXPLAIN_AVX512 = 2,    /* AVX-512F, 512-bit */
} GroveExplainISA;

/// Whether this CPU runs `isa`.
int grove_explain_supported(GroveExplainISA isa);

/// The widest instruction set this CPU runs, unless the environment variable
/// GROVE_EXPLAIN_ISA says "portable" or "avx2" (which caps it; read once).
GroveExplainISA grove_explain_best(void);

/// Trees [begin, end) of the forest: their SHAP values for `output` into scratch->phi (one lane
/// per quadrature point: numFeatures x 8 doubles, overwritten); returns the sum of the leaf
/// values the row reaches, in tree order (0 unless `leaves`: a caller that has the prediction
/// skips that walk). `isa` must be supported (grove_explain_supported). Results are
/// identical for every isa (no fused multiply-add; one order of operations).
double grove_explain_trees(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                           const GroveExplainScratch *scratch, uint32_t begin, uint32_t end, int leaves);

/// The sum of the values (`output`) of the leaves the row reaches in every tree, added in tree
/// order: the forest's own walk (CompiledForest) adds them in this order, so an explanation's
/// prediction has the bits of Predict's.
double grove_explain_leaf_sum(const GroveExplainForest *forest, const double *row, uint32_t output);

/// Sums each feature's 8 lanes (a grove_explain_trees call's `phi`), in one order on every CPU,
/// into the first numFeatures doubles of `lanes`, in place. The helper reduces its half before
/// handing it back, so the caller reads numFeatures doubles from the helper's core, not 8 times
/// as many (about 0.1 µs of a served row).
void grove_explain_reduce(const GroveExplainForest *forest, double *lanes);
/// phi[j] = first[j] + second[j]: the reduced (grove_explain_reduce) halves of a row.
void grove_explain_combine(const GroveExplainForest *forest, const double *first, const double *second, double *phi);

/// A thread that explains the second half of a row's trees while the caller explains the
/// first (explain_helper.c). After a job it spins (yielding) for a bounded time waiting for the
/// next one, then parks (an idle process burns no CPU); a caller hands it work only while it
/// spins and no other caller is explaining, so a request never waits for it to wake. Any
/// number of threads may post; one job at a time.
typedef struct GroveExplainHelper GroveExplainHelper;

/// Starts a helper thread that spins `spinNanos` after each job before parking. NULL when the
/// thread cannot be started (the caller explains alone).
GroveExplainHelper *grove_explain_helper_start(uint64_t spinNanos);

/// Stops and joins the helper and frees it. No call may be using it.
void grove_explain_helper_stop(GroveExplainHelper *helper);

/// Returns once no helper of this process is still running a job its poster abandoned. An
/// abandoned job reads its forest and writes its lent scratch (it reads the row's copy in that
/// scratch, never the caller's row) until it finishes, after its poster has returned: whoever
/// frees a forest or a scratch a helper may have held calls this first (the deinits of
/// ForestExplainer and ExplainScratch). It waits at most the rest of one half-row's work once
/// the helper is back on a core.
void grove_explain_wait_abandoned(void);

/// For tests: the helper sleeps `nanos` after starting each job, as if it were descheduled
/// inside it (0, the default: it does not), so its poster abandons the job.
void grove_explain_helper_delay_jobs(GroveExplainHelper *helper, uint64_t nanos);

/// Rows the helper explained a half of, and rows its posters explained alone because it was
/// busy or parked (since the start; approximate while rows are explained).
void grove_explain_helper_counts(const GroveExplainHelper *helper, uint64_t *shared, uint64_t *alone);

/// The helper's states (one atomic word).
typedef enum GroveExplainHelperState {
    GROVE_HELPER_PARKED = 0,    /* asleep on its condition: the next poster wakes it and explains alone */
    GROVE_HELPER_SPINNING = 1,  /* waiting for a job: a poster may claim it */
    GROVE_HELPER_CLAIMED = 2,   /* a poster is writing a job */
    GROVE_HELPER_POSTED = 3,    /* a job waits: the helper starts it, or the poster takes it back */
    GROVE_HELPER_RUNNING = 4,   /* the helper runs the job */
    GROVE_HELPER_DONE = 5,      /* the job's results are ready for the poster */
    GROVE_HELPER_ABANDONED = 6, /* the poster gave up waiting and ran the half itself: the helper drops its answer */
} GroveExplainHelperState;

/// What the helper thread does next (a decision of its own, tested apart from the thread).
typedef enum GroveExplainHelperStep {
    GROVE_HELPER_SPIN = 0,  /* look again after a pause */
    GROVE_HELPER_RUN = 1,   /* start the posted job */
    GROVE_HELPER_PARK = 2,  /* sleep until a poster wakes it */
    GROVE_HELPER_EXIT = 3,  /* stopping */
} GroveExplainHelperStep;

/// The helper's state now (for tests and statistics; it may change at once).
GroveExplainHelperState grove_explain_helper_state(const GroveExplainHelper *helper);

/// The helper's next step in `state`, having spun `idleNanos` since its last job (or wake-up).
GroveExplainHelperStep grove_explain_helper_next(GroveExplainHelperState state, uint64_t idleNanos, uint64_t spinNanos,
                                                 int stopping);

/// What a poster does with a row (a decision, tested apart).
typedef enum GroveExplainPostStep {
    GROVE_POST_SHARE = 0,         /* claim the helper: it explains the second half */
    GROVE_POST_ALONE = 1,         /* explain both halves here */
    GROVE_POST_WAKE_ALONE = 2,    /* parked: wake it for the next row, explain both halves here */
} GroveExplainPostStep;

/// The poster's step seeing the helper in `state` while `others` other callers are explaining
/// rows: share only with a spinning helper, and share or wake it only when no other caller is
/// explaining (then the cores are already busy with rows, and splitting would only add
/// hand-offs and wake-ups) and it is not `resting` (grove_explain_rest_nanos).
GroveExplainPostStep grove_explain_post_step(GroveExplainHelperState state, uint32_t others, int resting);

/// Posted rows in a row the helper may fail to deliver because it was descheduled inside them
/// (abandoned by their posters) before it rests, and how long it rests: no rows are posted to
/// it (so it parks) while other processes keep it off the cores.
#define GROVE_HELPER_MISSES 2u
#define GROVE_HELPER_REST_NANOS 20000000u

/// How long the helper rests after `misses` undelivered rows in a row (0: not yet).
uint64_t grove_explain_rest_nanos(uint32_t misses);

/// Every tree's SHAP values for `output` into phi (numFeatures doubles, overwritten: the
/// forest's sum over trees, before any averaging); returns the sum over trees of the leaf
/// values the row reaches, in tree order (grove_explain_leaf_sum, run here while the helper
/// finishes its half; 0 unless `leaves`). Trees [0, splitTree) run here with `first`; [splitTree, treeCount)
/// on `helper` with `lent` when it is spinning (NULL: never), else here with `second` (which a
/// helper never holds: it may still be finishing an abandoned job on `lent`; the helper reads
/// the row from `lent->row`, where it is copied, never from `row`). The same bits
/// either way, and for every isa. The three scratches belong to the caller's thread.
double grove_explain_row(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                         const GroveExplainScratch *first, const GroveExplainScratch *second,
                         const GroveExplainScratch *lent, int leaves, GroveExplainHelper *helper, double *phi);


/// A row begun by grove_explain_row_begin and not yet ended (the caller's, on its stack).
typedef struct GroveExplainPending {
    uint64_t start;      /* when the row began (CLOCK_MONOTONIC ns; 0 without a helper) */
    uint64_t halfNanos;  /* how long begin's own half took (0 without a helper) */
    int posted;          /* the second half was handed to the helper */
} GroveExplainPending;

/// grove_explain_row in two calls, so the caller can do other work of its own (a prediction's
/// walk, say) between them while the helper explains the second half: begin hands the second
/// half to the helper when it can and explains the first; end sums the leaf values (when
/// `leaves`), collects the second half (or explains it here) and combines. The same arguments
/// to both; between them the caller must not touch `first`, `lent` or `row`. The same bits as
/// grove_explain_row, which is begin then end.
void grove_explain_row_begin(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                             const GroveExplainScratch *first, const GroveExplainScratch *lent, GroveExplainHelper *helper,
                             GroveExplainPending *pending);
double grove_explain_row_end(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                             const GroveExplainScratch *first, const GroveExplainScratch *second,
                             const GroveExplainScratch *lent, int leaves, GroveExplainHelper *helper,
                             const GroveExplainPending *pending, double *phi);

#endif
