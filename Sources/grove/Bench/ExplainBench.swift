// ExplainBench: in-process explanation speed: µs per row one at a time, and batches across cores.

import Foundation
import GroveForest

enum ExplainBench {
    /// Times exact explanations of `model` (its default output) on `rows` (row-major,
    /// `rowCount` rows): one row at a time on this thread with one scratch (the
    /// allocation-free call; the median row), with the CPU's kernel, the same with a helper
    /// thread taking half of each row's trees (`ExplainHelper`) and the Swift reference, interleaved;
    /// and a 2,000-row batch on 1 thread and on all cores.
    static func run(model: TrainedModel, rows: [Double], rowCount: Int) throws -> InferenceBench.Result {
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let forest = explainer.forest
        let f = forest.numFeatures, output = explainer.defaultOutput
        // The Swift reference on the same forest, interleaved with the kernel: their ratio.
        let reference = forest.kernel == .reference ? forest : try ForestExplainer(forest: model.forest, kernel: .reference)
        let scratch = ExplainScratch(for: forest)
        // The same kernel with a helper thread explaining the second half of each row's trees.
        let helped = ExplainScratch(for: forest)
        helped.helper = ExplainHelper()
        var phi = [Double](repeating: 0, count: f)
        var single: [Double] = [], swift: [Double] = [], shared: [Double] = []
        try rows.withUnsafeBufferPointer { input in
            try phi.withUnsafeMutableBufferPointer { out in
                for rep in 0..<7 {
                    for (explainer, n, s) in [(forest, 2_000, scratch), (forest, 2_000, helped), (reference, 500, scratch)] {
                        // Each row timed alone: the median row is one no other process interrupted.
                        for i in 0..<n {
                            let r = i % rowCount
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            _ = try explainer.explain(row: UnsafeBufferPointer(rebasing: input[(r * f)..<((r + 1) * f)]),
                                                      output: output, scratch: s, into: out)
                            let us = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000
                            guard rep > 1 else { continue }
                            if explainer !== forest { swift.append(us) } else if s === helped { shared.append(us) } else { single.append(us) }
                        }
                    }
                }
            }
        }
        let helperCounts = helped.helper?.counts ?? (shared: 0, alone: 0)
        let batchRows = 2_000
        var big = [Double](repeating: 0, count: batchRows * f)
        for r in 0..<batchRows { for j in 0..<f { big[r * f + j] = rows[(r % rowCount) * f + j] } }
        var contributions = [Double](repeating: 0, count: batchRows * f)
        var totals = [ExplanationTotals](repeating: ExplanationTotals(prediction: 0, baseValue: 0), count: batchRows)
        var batch1: [Double] = [], batchAll: [Double] = []
        try big.withUnsafeBufferPointer { input in
            try contributions.withUnsafeMutableBufferPointer { c in
                try totals.withUnsafeMutableBufferPointer { t in
                    for rep in 0..<5 {
                        var t0 = DispatchTime.now().uptimeNanoseconds
                        try forest.explain(rows: input, rowCount: batchRows, output: output, into: c, totals: t, threads: 1)
                        if rep > 0 { batch1.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(batchRows) / 1000) }
                        t0 = DispatchTime.now().uptimeNanoseconds
                        try forest.explain(rows: input, rowCount: batchRows, output: output, into: c, totals: t, threads: 0)
                        if rep > 0 { batchAll.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(batchRows) / 1000) }
                    }
                }
            }
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let s = median(single), b1 = median(batch1), b2 = median(batchAll), sw = median(swift)
        let two = shared.isEmpty ? s : median(shared)
        let sharedShare = Double(helperCounts.shared) / Double(max(helperCounts.shared + helperCounts.alone, 1))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let text = """
        in-process explanation (exact TreeSHAP): \(forest.treeCount) trees, depth \(forest.maxDepth), \(forest.maxPoints) quadrature points at most
          one row, one thread:           \(String(format: "%8.1f", s)) µs/row   (\(forest.kernel.rawValue) kernel; the Swift reference: \(String(format: "%.1f", sw)) µs/row, \(String(format: "%.2f", sw / s))x)
          one row, two threads (helper):\(String(format: "%8.1f", two)) µs/row   (\(String(format: "%.2f", s / two))x one thread; the helper took half of \(String(format: "%.0f", 100 * sharedShare)) % of rows)
          2,000-row batch, 1 thread:     \(String(format: "%8.1f", b1)) µs/row   \(String(format: "%8.0f", 1e6 / b1)) rows/s
          2,000-row batch, \(cores) cores:      \(String(format: "%8.1f", b2)) µs/row   \(String(format: "%8.0f", 1e6 / b2)) rows/s (\(String(format: "%.2f", b1 / b2))x)
        """
        let json: [[String: Any]] = [
            ["name": "explain one row", "us_per_row": s, "kernel": forest.kernel.rawValue],
            ["name": "explain one row, two threads (helper)", "us_per_row": two, "speedup": s / two, "shared_fraction": sharedShare],
            ["name": "explain one row, Swift reference", "us_per_row": sw, "ratio_to_kernel": sw / s],
            ["name": "explain batch 2k, 1 thread", "us_per_row": b1, "rows_per_second": 1e6 / b1],
            ["name": "explain batch 2k, all cores", "us_per_row": b2, "rows_per_second": 1e6 / b2, "speedup": b1 / b2, "cores": cores],
        ]
        return InferenceBench.Result(text: text, json: json)
    }

    /// Explains rows `calls` times with one scratch (valgrind counts the allocations); returns
    /// the last prediction and the kernel that ran.
    static func probe(model: TrainedModel, rows: [Double], rowCount: Int, calls: Int) throws -> (Double, ExplainKernel) {
        let explainer = try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest)
        let forest = explainer.forest
        let f = forest.numFeatures
        let scratch = ExplainScratch(for: forest)
        var phi = [Double](repeating: 0, count: f)
        var last = 0.0
        try rows.withUnsafeBufferPointer { input in
            try phi.withUnsafeMutableBufferPointer { out in
                for i in 0..<calls {
                    let r = i % rowCount
                    last = try forest.explain(row: UnsafeBufferPointer(rebasing: input[(r * f)..<((r + 1) * f)]),
                                              output: explainer.defaultOutput, scratch: scratch, into: out).prediction
                }
            }
        }
        return (last, forest.kernel)
    }
}
