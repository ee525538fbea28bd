// Two cores for one row: GroveExplainHelper, a thread that explains the second half of a row's
// trees while the caller explains the first, and grove_explain_row, which uses it when it can
// (in two calls, grove_explain_row_begin and _end, when the caller has work of its own to do while
// the helper finishes: the served prediction's walk).
//
// Hand-off protocol (one atomic word, `state`, on a cache line of its own; see
// GroveExplainHelperState). A poster claims a spinning helper (SPINNING -> CLAIMED), writes the
// job and publishes it (POSTED, release). The helper starts it (POSTED -> RUNNING), writes its
// lanes and sum and publishes them (DONE, release); the poster, having run its own half, reads
// them (acquire) and hands the helper back (SPINNING). If the helper has not started when the
// poster is done, the poster takes the job back (POSTED -> SPINNING) and runs it itself; if it
// runs much longer than the poster's own half (it was descheduled), the poster abandons it
// (RUNNING -> ABANDONED; the helper drops its answer and returns to SPINNING) and runs it
// itself on a scratch never lent: a row never waits long for a helper off its core. A helper that spun
// `spinNanos` without a job parks (SPINNING -> PARKED, then sleeps on a condition while PARKED);
// the next poster wakes it (PARKED -> SPINNING, then signals) and explains that row alone.
// A poster shares or wakes only when no other caller is explaining (the cores are busy with
// rows already) and the helper is not resting: two rows in a row abandoned by their posters
// (GROVE_HELPER_MISSES) rest it GROVE_HELPER_REST_NANOS, so it parks while other processes hold
// the cores (grove_explain_post_step, grove_explain_rest_nanos).
// Each half writes only its own scratch (`first` here; `lent` on the helper, `second` when the
// caller runs it), each half's lanes are summed per feature by whoever ran it
// (grove_explain_reduce), and the halves are added in one order (grove_explain_combine): the
// same bits either way.

#include "CGroveExplain.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// One half of a row, as posted (read by the helper between RUNNING and DONE).
typedef struct Job {
    GroveExplainISA isa;
    const GroveExplainForest *forest;
    const double *row;
    const GroveExplainScratch *scratch;
    uint32_t output, begin, end;
    int leaves;
    double hot;  /* written by whoever runs it */
} Job;

struct GroveExplainHelper {
    alignas(64) _Atomic uint32_t state;
    alignas(64) Job job;
    _Atomic int stopping;
    _Atomic uint32_t explaining;  /* callers inside grove_explain_row with this helper */
    _Atomic uint32_t misses;      /* posted rows in a row it did not deliver */
    _Atomic uint64_t restUntil;   /* no posting before this time (nanoseconds, CLOCK_MONOTONIC) */
    _Atomic uint64_t shared, alone;
    _Atomic uint64_t delayNanos;  /* tests only (grove_explain_helper_delay_jobs) */
    uint64_t spinNanos;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
};

/// Jobs abandoned by their posters that a helper is still running, in the whole process
/// (grove_explain_wait_abandoned). Changed only when a poster abandons a job (rare: its helper
/// was descheduled) and when that job ends.
static _Atomic uint32_t abandonedRunning;

void grove_explain_wait_abandoned(void) {
    while (atomic_load_explicit(&abandonedRunning, memory_order_acquire) != 0) sched_yield();
}

static uint64_t now_nanos(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/// Looks at the state between two yields of a spinning helper (each a load of a line in this
/// core's cache until a poster writes it: about a microsecond in all).
#define GROVE_HELPER_LOOKS 1024u

/// A pause between looks at a word another core is about to write.
static inline void relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

GroveExplainHelperStep grove_explain_helper_next(GroveExplainHelperState state, uint64_t idleNanos, uint64_t spinNanos,
                                                 int stopping) {
    if (stopping) return GROVE_HELPER_EXIT;
    if (state == GROVE_HELPER_POSTED) return GROVE_HELPER_RUN;
    // A claimed job is on its way and a finished one not yet collected: never park under a poster.
    if (state == GROVE_HELPER_SPINNING && idleNanos >= spinNanos) return GROVE_HELPER_PARK;
    return GROVE_HELPER_SPIN;
}

GroveExplainPostStep grove_explain_post_step(GroveExplainHelperState state, uint32_t others, int resting) {
    if (resting) return GROVE_POST_ALONE;
    switch (state) {
    case GROVE_HELPER_SPINNING: return others == 0 ? GROVE_POST_SHARE : GROVE_POST_ALONE;
    case GROVE_HELPER_PARKED: return others == 0 ? GROVE_POST_WAKE_ALONE : GROVE_POST_ALONE;
    default: return GROVE_POST_ALONE;
    }
}

static void run_job(Job *job) {
    job->hot = grove_explain_trees(job->isa, job->forest, job->row, job->output, job->scratch, job->begin, job->end,
                                   job->leaves);
    grove_explain_reduce(job->forest, job->scratch->phi);
}

static void *helper_main(void *argument) {
    GroveExplainHelper *h = argument;
    uint64_t idleSince = now_nanos(), idle = 0;
    for (;;) {
        const uint32_t state = atomic_load_explicit(&h->state, memory_order_acquire);
        if (state == GROVE_HELPER_SPINNING) idle = now_nanos() - idleSince;
        switch (grove_explain_helper_next((GroveExplainHelperState)state, idle, h->spinNanos,
                                          atomic_load_explicit(&h->stopping, memory_order_relaxed))) {
        case GROVE_HELPER_EXIT: return NULL;
        case GROVE_HELPER_RUN: {
            uint32_t expected = GROVE_HELPER_POSTED;
            if (atomic_compare_exchange_strong_explicit(&h->state, &expected, GROVE_HELPER_RUNNING, memory_order_acquire,
                                                        memory_order_relaxed)) {
                const uint64_t delay = atomic_load_explicit(&h->delayNanos, memory_order_relaxed);
                if (delay) {
                    const struct timespec pause = {(time_t)(delay / 1000000000u), (long)(delay % 1000000000u)};
                    nanosleep(&pause, NULL);
                }
                run_job(&h->job);
                expected = GROVE_HELPER_RUNNING;
                if (!atomic_compare_exchange_strong_explicit(&h->state, &expected, GROVE_HELPER_DONE, memory_order_release,
                                                             memory_order_relaxed)) {
                    // Abandoned: the poster ran the half itself and no one reads this one. The
                    // job no longer touches its forest or scratch: they may be freed now.
                    atomic_fetch_sub_explicit(&abandonedRunning, 1, memory_order_release);
                    atomic_store_explicit(&h->state, GROVE_HELPER_SPINNING, memory_order_release);
                }
            }
            idleSince = now_nanos();
            idle = 0;
            break;
        }
        case GROVE_HELPER_PARK: {
            uint32_t expected = GROVE_HELPER_SPINNING;
            if (atomic_compare_exchange_strong_explicit(&h->state, &expected, GROVE_HELPER_PARKED, memory_order_relaxed,
                                                        memory_order_relaxed)) {
                pthread_mutex_lock(&h->lock);
                while (atomic_load_explicit(&h->state, memory_order_acquire) == GROVE_HELPER_PARKED &&
                       !atomic_load_explicit(&h->stopping, memory_order_relaxed)) {
                    pthread_cond_wait(&h->wake, &h->lock);
                }
                pthread_mutex_unlock(&h->lock);
            }
            idleSince = now_nanos();
            idle = 0;
            break;
        }
        case GROVE_HELPER_SPIN: {
            // Look at the state GROVE_HELPER_LOOKS times (about a microsecond), then yield: when
            // the loops need both cores (many requests at once) the spinning costs them little,
            // and a job it is slow to start, its poster takes back. A job posted during the yield
            // (a system call of about 0.7 µs here) waits for it to return, so the looks come
            // first: the hand-off took 0.33-0.39 µs yielding between single looks, 0.13-0.14
            // looking only (BENCHMARKS.md "Inline reasons, ninth session"). Plain loads, no
            // `pause`: under KVM a pause loop exits to the hypervisor (pause-loop exiting), and
            // the helper spinning on pause explained its next half 0.7-1.1 µs slower.
            // A claimed job is looked for too (its poster is writing it); any other state (a
            // finished job its poster has not collected) yields at once, as every look used to.
            uint32_t seen = state;
            for (uint32_t look = 0; look < GROVE_HELPER_LOOKS; look++) {
                seen = atomic_load_explicit(&h->state, memory_order_relaxed);
                if (seen != GROVE_HELPER_SPINNING && seen != GROVE_HELPER_CLAIMED) break;
            }
            if (seen != GROVE_HELPER_POSTED) sched_yield();
            break;
        }
        }
    }
}

GroveExplainHelper *grove_explain_helper_start(uint64_t spinNanos) {
    GroveExplainHelper *h = aligned_alloc(64, (sizeof(GroveExplainHelper) + 63) / 64 * 64);
    if (!h) return NULL;
    atomic_init(&h->state, GROVE_HELPER_SPINNING);
    atomic_init(&h->stopping, 0);
    atomic_init(&h->explaining, 0);
    atomic_init(&h->misses, 0);
    atomic_init(&h->restUntil, 0);
    atomic_init(&h->shared, 0);
    atomic_init(&h->alone, 0);
    atomic_init(&h->delayNanos, 0);
    h->spinNanos = spinNanos;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    return h;
}

void grove_explain_helper_stop(GroveExplainHelper *h) {
    if (!h) return;
    pthread_mutex_lock(&h->lock);
    atomic_store_explicit(&h->stopping, 1, memory_order_relaxed);
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void grove_explain_helper_delay_jobs(GroveExplainHelper *h, uint64_t nanos) {
    atomic_store_explicit(&h->delayNanos, nanos, memory_order_relaxed);
}

void grove_explain_helper_counts(const GroveExplainHelper *h, uint64_t *shared, uint64_t *alone) {
    *shared = atomic_load_explicit(&((GroveExplainHelper *)h)->shared, memory_order_relaxed);
    *alone = atomic_load_explicit(&((GroveExplainHelper *)h)->alone, memory_order_relaxed);
}

GroveExplainHelperState grove_explain_helper_state(const GroveExplainHelper *h) {
    return (GroveExplainHelperState)atomic_load_explicit(&((GroveExplainHelper *)h)->state, memory_order_acquire);
}

uint64_t grove_explain_rest_nanos(uint32_t misses) {
    return misses >= GROVE_HELPER_MISSES ? GROVE_HELPER_REST_NANOS : 0;
}

/// Hands `job` to the helper if it is spinning, no other caller is explaining and it is not
/// resting (1), else 0; wakes it if it is parked. `others`: callers explaining beside this one.
static int post(GroveExplainHelper *h, const Job *job, uint32_t others, uint64_t now) {
    uint32_t state = atomic_load_explicit(&h->state, memory_order_relaxed);
    const int resting = now < atomic_load_explicit(&h->restUntil, memory_order_relaxed);
    switch (grove_explain_post_step((GroveExplainHelperState)state, others, resting)) {
    case GROVE_POST_SHARE:
        if (!atomic_compare_exchange_strong_explicit(&h->state, &state, GROVE_HELPER_CLAIMED, memory_order_acquire,
                                                     memory_order_relaxed)) {
            return 0;
        }
        h->job = *job;
        // The helper reads the row from the lent scratch, never the caller's memory: the caller may
        // abandon the job and reuse or free its row while the helper still runs it.
        memcpy(job->scratch->row, job->row, (size_t)job->forest->numFeatures * sizeof(double));
        h->job.row = job->scratch->row;
        atomic_store_explicit(&h->state, GROVE_HELPER_POSTED, memory_order_release);
        return 1;
    case GROVE_POST_WAKE_ALONE:
        if (atomic_compare_exchange_strong_explicit(&h->state, &state, GROVE_HELPER_SPINNING, memory_order_relaxed,
                                                    memory_order_relaxed)) {
            pthread_mutex_lock(&h->lock);
            pthread_cond_signal(&h->wake);
            pthread_mutex_unlock(&h->lock);
        }
        return 0;
    case GROVE_POST_ALONE: return 0;
    }
    return 0;
}

/// The posted job's sum, or NAN when the caller must run the half itself: taken back and run
/// here if the helper has not started it, waited for while it runs, but abandoned (the caller
/// runs it on its own scratch; the helper's late answer is dropped) once the wait exceeds
/// `budgetNanos` (the helper was descheduled). Leaves the helper SPINNING, or ABANDONED until it
/// finishes.
static double collect(GroveExplainHelper *h, uint64_t budgetNanos, int *abandoned) {
    *abandoned = 0;
    uint32_t expected = GROVE_HELPER_POSTED;
    if (atomic_compare_exchange_strong_explicit(&h->state, &expected, GROVE_HELPER_CLAIMED, memory_order_acquire,
                                                memory_order_relaxed)) {
        // Not started: it is ours again while CLAIMED.
        atomic_store_explicit(&h->state, GROVE_HELPER_SPINNING, memory_order_release);
        return NAN;
    }
    const uint64_t start = now_nanos();
    for (unsigned spins = 1;; spins++) {
        if (atomic_load_explicit(&h->state, memory_order_acquire) == GROVE_HELPER_DONE) break;
        if ((spins & 63) == 0 && now_nanos() - start > budgetNanos) {
            expected = GROVE_HELPER_RUNNING;
            // Counted before the helper can see the abandonment (it decrements when its job ends).
            atomic_fetch_add_explicit(&abandonedRunning, 1, memory_order_relaxed);
            if (atomic_compare_exchange_strong_explicit(&h->state, &expected, GROVE_HELPER_ABANDONED,
                                                        memory_order_relaxed, memory_order_relaxed)) {
                *abandoned = 1;
                return NAN;
            }
            atomic_fetch_sub_explicit(&abandonedRunning, 1, memory_order_relaxed);  // it finished meanwhile
        }
        relax();
    }
    const double hot = h->job.hot;
    atomic_store_explicit(&h->state, GROVE_HELPER_SPINNING, memory_order_release);
    return hot;
}

void grove_explain_row_begin(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                             const GroveExplainScratch *first, const GroveExplainScratch *lent, GroveExplainHelper *helper,
                             GroveExplainPending *pending) {
    const uint32_t split = forest->splitTree, count = forest->treeCount;
    // The halves explain only; the leaf values are summed by the caller's thread, in tree order
    // (as Predict sums them), in grove_explain_row_end.
    const Job job = {isa, forest, row, lent, output, split, count, 0, 0};
    // Loops explaining at once (many requests in flight) already use the cores: then each
    // explains alone, and the helper, given nothing, parks.
    const uint32_t others = helper ? atomic_fetch_add_explicit(&helper->explaining, 1, memory_order_relaxed) : 0;
    pending->start = helper ? now_nanos() : 0;
    pending->posted = helper && split < count && post(helper, &job, others, pending->start);
    grove_explain_trees(isa, forest, row, output, first, 0, split, 0);
    pending->halfNanos = helper ? now_nanos() - pending->start : 0;
}

double grove_explain_row_end(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                             const GroveExplainScratch *first, const GroveExplainScratch *second,
                             const GroveExplainScratch *lent, int leaves, GroveExplainHelper *helper,
                             const GroveExplainPending *pending, double *phi) {
    const uint32_t split = forest->splitTree, count = forest->treeCount;
    const int posted = pending->posted;
    const double sum = leaves ? grove_explain_leaf_sum(forest, row, output) : 0;
    // The helper's half costs about as much as this one (begin's) and started with it (it has
    // `lead` edges more, ForestExplainer.halfway, which the caller's walk between begin and end
    // makes up for): a wait as long again (plus 2 µs) means it was descheduled. The caller's
    // work between begin and end (a whole request's walk, say) is not counted: it says nothing
    // about the helper. (A quarter as long cut off helpers that were only a little slower: they
    // shared 1-66 % of rows where they had shared 99 %.)
    grove_explain_reduce(forest, first->phi);
    int abandoned = 0;
    const double hotSecond = posted ? collect(helper, pending->halfNanos + 2000, &abandoned) : NAN;
    const double *secondLanes = lent->phi;
    if (posted) {
        // A helper that keeps being descheduled inside rows has no core to itself (other
        // processes hold them): rest it, so it parks instead of costing this thread waits. A job
        // it had not started (just woken, say) cost nothing and does not count.
        const uint32_t misses = abandoned ? atomic_fetch_add_explicit(&helper->misses, 1, memory_order_relaxed) + 1 : 0;
        if (!isnan(hotSecond)) atomic_store_explicit(&helper->misses, 0, memory_order_relaxed);
        const uint64_t rest = grove_explain_rest_nanos(misses);
        if (rest) {
            atomic_store_explicit(&helper->restUntil, now_nanos() + rest, memory_order_relaxed);
            atomic_store_explicit(&helper->misses, 0, memory_order_relaxed);
        }
    }
    if (posted && !isnan(hotSecond)) {
        atomic_fetch_add_explicit(&helper->shared, 1, memory_order_relaxed);
    } else {
        // `lent` may still be the helper's (a job abandoned now or before): `second` is never lent.
        grove_explain_trees(isa, forest, row, output, second, split, count, 0);
        grove_explain_reduce(forest, second->phi);
        secondLanes = second->phi;
        if (helper) atomic_fetch_add_explicit(&helper->alone, 1, memory_order_relaxed);
    }
    if (helper) atomic_fetch_sub_explicit(&helper->explaining, 1, memory_order_relaxed);
    grove_explain_combine(forest, first->phi, secondLanes, phi);
    return sum;
}

double grove_explain_row(GroveExplainISA isa, const GroveExplainForest *forest, const double *row, uint32_t output,
                         const GroveExplainScratch *first, const GroveExplainScratch *second,
                         const GroveExplainScratch *lent, int leaves, GroveExplainHelper *helper, double *phi) {
    GroveExplainPending pending;
    grove_explain_row_begin(isa, forest, row, output, first, lent, helper, &pending);
    return grove_explain_row_end(isa, forest, row, output, first, second, lent, leaves, helper, &pending, phi);
}
