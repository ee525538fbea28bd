// ExplainHelper: a second thread explains half of a row's trees; the answers keep their bits,
// the hand-off's decisions are values, and an idle helper parks.

import CGroveExplain
import Foundation
import Testing
@testable import GroveForest

@Suite struct ExplainHelperTests {
    /// The helper thread's step: run a posted job, never park while a poster holds it
    /// (claimed, running, done), park only after spinning its limit, exit when stopping.
    @Test func theHelpersNextStepIsADecision() {
        let limit: UInt64 = 200_000
        #expect(grove_explain_helper_next(GROVE_HELPER_POSTED, 0, limit, 0) == GROVE_HELPER_RUN)
        #expect(grove_explain_helper_next(GROVE_HELPER_POSTED, 10 * limit, limit, 0) == GROVE_HELPER_RUN)
        #expect(grove_explain_helper_next(GROVE_HELPER_SPINNING, limit - 1, limit, 0) == GROVE_HELPER_SPIN)
        #expect(grove_explain_helper_next(GROVE_HELPER_SPINNING, limit, limit, 0) == GROVE_HELPER_PARK)
        for held in [GROVE_HELPER_CLAIMED, GROVE_HELPER_RUNNING, GROVE_HELPER_DONE, GROVE_HELPER_ABANDONED] {
            #expect(grove_explain_helper_next(held, 10 * limit, limit, 0) == GROVE_HELPER_SPIN, "\(held)")
        }
        for state in [GROVE_HELPER_PARKED, GROVE_HELPER_SPINNING, GROVE_HELPER_POSTED, GROVE_HELPER_DONE] {
            #expect(grove_explain_helper_next(state, 0, limit, 1) == GROVE_HELPER_EXIT, "\(state)")
        }
    }

    /// A poster shares a row only with a spinning helper and only when no other caller is
    /// explaining (many requests at once already fill the cores); a parked helper is woken for
    /// the next row (again only by a caller explaining alone), a busy one left alone.
    @Test func aPosterSharesOnlyWithASpinningHelperWhenAlone() {
        #expect(grove_explain_post_step(GROVE_HELPER_SPINNING, 0, 0) == GROVE_POST_SHARE)
        #expect(grove_explain_post_step(GROVE_HELPER_SPINNING, 1, 0) == GROVE_POST_ALONE)
        #expect(grove_explain_post_step(GROVE_HELPER_PARKED, 0, 0) == GROVE_POST_WAKE_ALONE)
        #expect(grove_explain_post_step(GROVE_HELPER_PARKED, 1, 0) == GROVE_POST_ALONE)
        for busy in [GROVE_HELPER_CLAIMED, GROVE_HELPER_POSTED, GROVE_HELPER_RUNNING, GROVE_HELPER_DONE, GROVE_HELPER_ABANDONED] {
            #expect(grove_explain_post_step(busy, 0, 0) == GROVE_POST_ALONE, "\(busy)")
        }
        // Resting (it kept missing rows): neither shared with nor woken.
        for state in [GROVE_HELPER_SPINNING, GROVE_HELPER_PARKED] {
            #expect(grove_explain_post_step(state, 0, 1) == GROVE_POST_ALONE, "\(state)")
        }
    }

    /// A helper that missed GROVE_HELPER_MISSES posted rows in a row rests; fewer misses do not.
    @Test func aHelperThatKeepsMissingRowsRests() {
        #expect(grove_explain_rest_nanos(0) == 0)
        #expect(grove_explain_rest_nanos(GROVE_HELPER_MISSES - 1) == 0)
        #expect(grove_explain_rest_nanos(GROVE_HELPER_MISSES) == UInt64(GROVE_HELPER_REST_NANOS))
    }

    /// The cut balances the edges (less the caller's lead): the first tree whose start is
    /// nearest half of them.
    @Test func theCutHalvesTheEdges() {
        #expect(ForestExplainer.halfway([0, 10, 20, 30, 40]) == 2)
        #expect(ForestExplainer.halfway([0, 90, 100]) == 1)
        #expect(ForestExplainer.halfway([0, 5, 6, 100]) == 2)
        #expect(ForestExplainer.halfway([0, 7]) == 0)
        // The helper's half takes `lead` edges more.
        #expect(ForestExplainer.halfway([0, 10, 20, 30, 40], lead: 20) == 1)
        #expect(ForestExplainer.halfway([0, 10, 20, 30, 40], lead: 8) == 2)
        #expect(ForestExplainer.halfway([0, 10, 20, 30, 40], lead: 12) == 1)
    }

    /// A random forest of `trees` two-output trees over `features` features (zero covers allowed),
    /// `rows` random rows (a fifth of the values missing), and a helper whose spin is long enough
    /// that it does not park between a test's rows.
    static func twoOutputForest(seed: UInt64, features: Int, trees: Int, depth: Int,
                                rows: Int) throws -> (Forest, [[Double]], ExplainHelper) {
        var gen = RandomForests(seed: seed)
        let built = (0..<trees).map { _ in gen.tree(features: features, depth: depth, outputs: 2, zeroCover: true, leafRate: 0.25) }
        let rowValues = (0..<rows).map { _ in gen.row(features: features, missing: 0.2) }
        let helper = try #require(ExplainHelper(spinMicroseconds: 1_000_000))
        return (Forest(numFeatures: features, numOutputs: 2, trees: built), rowValues, helper)
    }

    /// Rows explained with a helper (which takes the second half of the trees whenever it
    /// spins) have the same bits as without, at every vector width, from one thread and from
    /// two sharing one helper; and the helper did take rows.
    @Test func rowsExplainedOnTwoThreadsHaveTheSameBits() throws {
        let features = 12
        let (forest, rows, helper) = try Self.twoOutputForest(seed: 777, features: features, trees: 24, depth: 10, rows: 40)
        var shared: UInt64 = 0
        for kernel in ExplainKernel.allCases where kernel != .reference && kernel.isSupported {
            let explainer = try ForestExplainer(forest: forest, kernel: kernel)
            #expect(explainer.splitTree > 0 && explainer.splitTree < forest.trees.count)
            let expected = try rows.map { try explainer.explain(row: $0, output: 1) }
            let before = helper.counts.shared
            // Rows whose bits differ, explaining every row `rounds` times with a scratch of its own.
            func mismatches(rounds: Int) -> Int {
                let scratch = ExplainScratch(for: explainer)
                scratch.helper = helper
                var phi = [Double](repeating: 0, count: features)
                var differ = 0
                for _ in 0..<rounds {
                    for (i, row) in rows.enumerated() {
                        let totals = row.withUnsafeBufferPointer { r in
                            phi.withUnsafeMutableBufferPointer { try! explainer.explain(row: r, output: 1, scratch: scratch, into: $0) }
                        }
                        if phi.map(\.bitPattern) != expected[i].contributions.map(\.bitPattern) || totals != expected[i].totals {
                            differ += 1
                        }
                    }
                }
                return differ
            }
            // One caller (the helper takes rows while it spins), then two at once (each mostly alone).
            #expect(mismatches(rounds: 50) == 0, "\(kernel), one caller")
            let perThread = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
            defer { perThread.deallocate() }
            perThread.initialize(repeating: 0)
            DispatchQueue.concurrentPerform(iterations: 2) { thread in perThread[thread] = mismatches(rounds: 30) }
            #expect(perThread[0] + perThread[1] == 0, "\(kernel), two callers")
            shared += helper.counts.shared - before
        }
        #expect(shared > 0, "the helper never took a row")
    }

    /// Work the caller does between its half and the helper's (`meanwhile`: the served
    /// prediction's walk) runs exactly once per row, on every kernel, with or without a helper,
    /// and the contributions keep their bits.
    @Test func workBetweenTheHalvesRunsOnceAndKeepsTheBits() throws {
        let features = 10
        let (forest, rows, helper) = try Self.twoOutputForest(seed: 31, features: features, trees: 16, depth: 8, rows: 20)
        let sharedBefore = helper.counts.shared
        for kernel in ExplainKernel.allCases where kernel.isSupported {
            let explainer = try ForestExplainer(forest: forest, kernel: kernel)
            let expected = try rows.map { try explainer.explain(row: $0, output: 1).0 }
            for helped in [false, true] {
                let scratch = ExplainScratch(for: explainer)
                scratch.helper = helped ? helper : nil
                var phi = [Double](repeating: 0, count: features)
                // Helped rows again and again: under `make test`'s load the helper may get a core
                // only now and then, and the helped rounds prove something only for rows it took.
                for _ in 0..<(helped ? 20 : 1) {
                    for (i, row) in rows.enumerated() {
                        var runs = 0
                        var busy = 0.0
                        row.withUnsafeBufferPointer { r in
                            phi.withUnsafeMutableBufferPointer { p in
                                _ = explainer.contributionsUnchecked(r.baseAddress!, 1, scratch, p.baseAddress!, leaves: false) {
                                    runs += 1
                                    for j in 0..<2_000 { busy += Double(j) }  // a walk's worth of work while the helper runs
                                }
                            }
                        }
                        #expect(runs == 1, "\(kernel), helper \(helped)")
                        #expect(busy > 0)
                        #expect(phi.map(\.bitPattern) == expected[i].map(\.bitPattern), "\(kernel), helper \(helped)")
                    }
                }
            }
        }
        // The helped rounds proved something only if the helper took some of their rows.
        #expect(helper.counts.shared > sharedBefore, "the helper never took a row")
    }

    /// A job its poster abandoned (the helper was descheduled inside it) still reads its forest
    /// and writes its lent scratch after the poster has returned: the answer keeps its bits, and
    /// `grove_explain_wait_abandoned` (which the deinits of ForestExplainer and ExplainScratch
    /// call before freeing) returns only once the helper has finished with that memory.
    @Test func anAbandonedJobIsWaitedForBeforeItsMemoryIsFreed() throws {
        var gen = RandomForests(seed: 4242)
        let features = 12
        // Halves long enough (hundreds of µs) that the helper starts its half before the poster ends its own.
        let trees = (0..<200).map { _ in gen.tree(features: features, depth: 12, outputs: 1, zeroCover: false) }
        let explainer = try ForestExplainer(forest: Forest(numFeatures: features, numOutputs: 1, trees: trees), kernel: .portable)
        let helper = try #require(ExplainHelper(spinMicroseconds: 1_000_000))
        grove_explain_helper_delay_jobs(helper.handle, 300_000_000)  // 0.3 s "descheduled" in each job
        let scratch = ExplainScratch(for: explainer)
        scratch.helper = helper
        var phi = [Double](repeating: 0, count: features)
        var abandoned = false
        for _ in 0..<10 where !abandoned {
            var row = gen.row(features: features, missing: 0)
            let (expected, _) = try explainer.explain(row: row, output: 0)
            _ = try row.withUnsafeBufferPointer { r in
                try phi.withUnsafeMutableBufferPointer { try explainer.explain(row: r, output: 0, scratch: scratch, into: $0) }
            }
            #expect(phi.map(\.bitPattern) == expected.map(\.bitPattern))
            abandoned = grove_explain_helper_state(helper.handle) == GROVE_HELPER_ABANDONED
            row.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }  // the helper reads its own copy
        }
        try #require(abandoned, "no job was abandoned: the test proves nothing")
        let start = Date()
        grove_explain_wait_abandoned()
        let waited = Date().timeIntervalSince(start)
        // The helper counts its abandoned job finished just before it stores SPINNING, so the
        // wait may return while the state still reads ABANDONED: it must leave it within 1 s.
        let deadline = Date().addingTimeInterval(1)
        while grove_explain_helper_state(helper.handle) == GROVE_HELPER_ABANDONED && Date() < deadline { usleep(1_000) }
        #expect(grove_explain_helper_state(helper.handle) != GROVE_HELPER_ABANDONED)
        #expect(waited > 0.05)
        grove_explain_helper_delay_jobs(helper.handle, 0)
    }

    /// A helper with no rows parks (burns no CPU) after its spin limit; the next row wakes it
    /// and is explained on the caller's thread, with the same bits.
    @Test func anIdleHelperParksAndTheNextRowWakesIt() throws {
        var gen = RandomForests(seed: 31)
        let trees = (0..<6).map { _ in gen.tree(features: 5, depth: 6, outputs: 1, zeroCover: false) }
        let explainer = try ForestExplainer(forest: Forest(numFeatures: 5, numOutputs: 1, trees: trees), kernel: .portable)
        let helper = try #require(ExplainHelper(spinMicroseconds: 1_000))
        let deadline = Date().addingTimeInterval(10)
        while !helper.isParked && Date() < deadline { usleep(1_000) }
        #expect(helper.isParked)
        let row = gen.row(features: 5, missing: 0)
        let (expected, expectedTotals) = try explainer.explain(row: row, output: 0)
        let scratch = ExplainScratch(for: explainer)
        scratch.helper = helper
        var phi = [Double](repeating: 0, count: 5)
        let totals = try row.withUnsafeBufferPointer { r in
            try phi.withUnsafeMutableBufferPointer { try explainer.explain(row: r, output: 0, scratch: scratch, into: $0) }
        }
        #expect(phi.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(totals == expectedTotals)
        #expect(helper.counts == (shared: 0, alone: 1))
        // Woken, it spins again, then parks again.
        let again = Date().addingTimeInterval(10)
        while !helper.isParked && Date() < again { usleep(1_000) }
        #expect(helper.isParked)
    }
}
