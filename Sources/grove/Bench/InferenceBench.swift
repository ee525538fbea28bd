// InferenceBench: in-process prediction speed: ns per row for single rows and batches.

import Foundation
import GroveForest

enum InferenceBench {
    struct Result {
        var text: String
        var json: [[String: Any]]
    }

    /// The benchmark's 10,000-row batch: the sample rows repeated.
    static func batch(rows: [Double], rowCount: Int, features f: Int) -> [Double] {
        var big = [Double](repeating: 0, count: 10_000 * f)
        for r in 0..<10_000 { for j in 0..<f { big[r * f + j] = rows[(r % rowCount) * f + j] } }
        return big
    }

    /// Predicts the 10,000-row batch `calls` times on one thread (for callgrind: the
    /// difference between N and 3N calls is the batch path's instruction count).
    static func batchProbe(model: TrainedModel, rows: [Double], rowCount: Int, calls: Int,
                           walk: BatchWalk = .fastest) throws -> Double {
        let compiled = try CompiledForest(forest: model.forest)
        let big = batch(rows: rows, rowCount: rowCount, features: model.forest.numFeatures)
        var out = [Double](repeating: 0, count: model.forest.numOutputs * 10_000)
        try big.withUnsafeBufferPointer { input in
            try out.withUnsafeMutableBufferPointer { o in
                for _ in 0..<calls { try compiled.predict(rows: input, rowCount: 10_000, into: o, threads: 1, walk: walk) }
            }
        }
        return out[0]
    }

    /// Times single-row and batch prediction of `model` on `rows` (row-major, `rowCount` rows).
    static func run(model: TrainedModel, rows: [Double], rowCount: Int) throws -> Result {
        let compiled = try CompiledForest(forest: model.forest)
        let f = model.forest.numFeatures
        let k = model.forest.numOutputs
        var out = [Double](repeating: 0, count: k * 10_000)
        let big = batch(rows: rows, rowCount: rowCount, features: f)

        var single: [Double] = []
        var singleSwift: [Double] = []
        var singleRatio: [Double] = []
        try rows.withUnsafeBufferPointer { input in
            try out.withUnsafeMutableBufferPointer { o in
                let one = UnsafeMutableBufferPointer(rebasing: o[0..<k])
                // ns per call of 20,000 one-row calls.
                func timed(walk: BatchWalk) throws -> Double {
                    let n = 20_000
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    for i in 0..<n {
                        let r = i % rowCount
                        try compiled.predict(row: UnsafeBufferPointer(rebasing: input[(r * f)..<((r + 1) * f)]), into: one, walk: walk)
                    }
                    return Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n)
                }
                for rep in 0..<9 {
                    // The one-row walk beside the Swift walk (its baseline), interleaved.
                    let fast = try timed(walk: .fastest), swift = try timed(walk: .swift)
                    if rep > 1 { single.append(fast); singleSwift.append(swift); singleRatio.append(swift / fast) }
                }
            }
        }
        var batch1: [Double] = []
        var batchAll: [Double] = []
        var batchSwift: [Double] = []
        var batchAllSwift: [Double] = []
        var walkRatio: [Double] = []
        var walkRatioAll: [Double] = []
        var batchPortable: [Double] = []
        var asmRatio: [Double] = []
        try big.withUnsafeBufferPointer { input in
            try out.withUnsafeMutableBufferPointer { o in
                // ns per row of one 10,000-row batch.
                func timed(threads: Int, walk: BatchWalk) throws -> Double {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try compiled.predict(rows: input, rowCount: 10_000, into: o, threads: threads, walk: walk)
                    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 10_000
                }
                for rep in 0..<7 {
                    // Each walk beside its baseline, interleaved: the Swift walk on the same rows,
                    // on one thread and on all cores (whether the two walks scale alike).
                    let one = try timed(threads: 1, walk: .fastest), oneSwift = try timed(threads: 1, walk: .swift)
                    let all = try timed(threads: 0, walk: .fastest), allSwift = try timed(threads: 0, walk: .swift)
                    let onePortable = try timed(threads: 1, walk: .portable)
                    if rep > 1 {
                        batch1.append(one); batchSwift.append(oneSwift); walkRatio.append(oneSwift / one)
                        batchAll.append(all); batchAllSwift.append(allSwift); walkRatioAll.append(allSwift / all)
                        batchPortable.append(onePortable); asmRatio.append(onePortable / one)
                    }
                }
            }
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let s = median(single), ss = median(singleSwift), sr = median(singleRatio), b1 = median(batch1), b2 = median(batchAll), bs = median(batchSwift), speedup = median(walkRatio)
        let bs2 = median(batchAllSwift), speedup2 = median(walkRatioAll), bp = median(batchPortable), asm = median(asmRatio)
        let nodes = model.forest.nodeCount
        let text = """
        in-process inference: \(model.name)@\(model.version), \(model.forest.trees.count) trees, \(nodes) nodes, \(f) features (medians of 5 or 7 runs)
          one row:                     \(String(format: "%8.0f", s)) ns/row   (\(String(format: "%.2f", s / 1000)) µs)
          one row, Swift walk:         \(String(format: "%8.0f", ss)) ns/row   (baseline, interleaved: the C key walk is \(String(format: "%.2f", sr))x faster)
          10,000-row batch, 1 thread:  \(String(format: "%8.0f", b1)) ns/row   \(String(format: "%10.0f", 1e9 / b1)) rows/s
          10,000-row batch, all cores: \(String(format: "%8.0f", b2)) ns/row   \(String(format: "%10.0f", 1e9 / b2)) rows/s (\(String(format: "%.2f", b1 / b2))x one thread, \(ProcessInfo.processInfo.activeProcessorCount) cores)
          same batch, Swift walk:      \(String(format: "%8.0f", bs)) ns/row   (baseline, interleaved: the C key walk is \(String(format: "%.2f", speedup))x faster)
          same, Swift walk, all cores: \(String(format: "%8.0f", bs2)) ns/row   \(String(format: "%10.0f", 1e9 / bs2)) rows/s (\(String(format: "%.2f", bs / bs2))x one thread; the C key walk is \(String(format: "%.2f", speedup2))x faster)
          same, portable C loop:       \(String(format: "%8.0f", bp)) ns/row   (1 thread, interleaved: the x86-64 assembly is \(String(format: "%.2f", asm))x faster)
        """
        let json: [[String: Any]] = [
            ["name": "inference one row", "ns_per_row": s],
            ["name": "inference one row, Swift walk", "ns_per_row": ss, "key_walk_speedup": sr],
            ["name": "inference batch 10k, 1 thread", "ns_per_row": b1, "rows_per_second": 1e9 / b1],
            ["name": "inference batch 10k, all cores", "ns_per_row": b2, "rows_per_second": 1e9 / b2, "ratio_to_one_thread": b1 / b2],
            ["name": "inference batch 10k, 1 thread, Swift walk", "ns_per_row": bs, "key_walk_speedup": speedup],
            ["name": "inference batch 10k, all cores, Swift walk", "ns_per_row": bs2, "rows_per_second": 1e9 / bs2,
             "ratio_to_one_thread": bs / bs2, "key_walk_speedup": speedup2],
            ["name": "inference batch 10k, 1 thread, portable C loop", "ns_per_row": bp, "assembly_speedup": asm],
        ]
        return Result(text: text, json: json)
    }
}
