// Minimal work-sharing loop over a fixed number of worker threads.

import Dispatch
import Foundation
import Synchronization

/// Runs independent work items on several threads.
enum Parallel {
    /// Number of cores available to this process.
    static var coreCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Resolves a user thread count: 0 or less means all cores.
    static func resolve(_ threads: Int) -> Int { threads <= 0 ? coreCount : threads }

    /// Like `forEach`, also passing the worker number (0..<threads) so each worker can
    /// own scratch memory.
    static func forEachWorker(count: Int, threads: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
        let workers = min(max(1, threads), count)
        if workers <= 1 {
            for i in 0..<count { body(0, i) }
            return
        }
        let counter = SharedCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            while true {
                let i = counter.next()
                if i >= count { break }
                body(w, i)
            }
        }
    }

    /// Calls `body(i)` once for every i in 0..<count using up to `threads` workers that
    /// take items in increasing order. Returns when all calls have finished. `body` must
    /// only write state owned by item i (or synchronise itself).
    static func forEach(count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(max(1, threads), count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let counter = SharedCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = counter.next()
                if i >= count { break }
                body(i)
            }
        }
    }
}

/// An atomic counter handing out 0, 1, 2, ... to any number of threads.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)

    func next() -> Int {
        value.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
