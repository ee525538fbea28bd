// LoopTaskQueue: closures handed to a loop from other threads, run on the loop's thread.

import Foundation

final class LoopTaskQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [() -> Void] = []

    /// Queues `task`; returns true when the queue was empty (the caller should wake the loop).
    func push(_ task: @escaping () -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        tasks.append(task)
        return tasks.count == 1
    }

    func takeAll() -> [() -> Void] {
        lock.lock()
        defer { lock.unlock() }
        let t = tasks
        tasks.removeAll()
        return t
    }
}
