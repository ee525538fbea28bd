// LoopTaskQueue: closures handed to a loop from other threads, run on the loop's thread.

import Synchronization

/// A multi-producer queue of tasks; the loop that owns it takes them all at once.
/// A task is sent to the loop's thread and runs there only.
final class LoopTaskQueue: Sendable {
    typealias Task = @Sendable () -> Void

    private let tasks = Mutex<[Task]>([])

    /// Queues `task`; returns true when the queue was empty (the caller should wake the loop).
    func push(_ task: @escaping Task) -> Bool {
        tasks.withLock { t in
            t.append(task)
            return t.count == 1
        }
    }

    func takeAll() -> [Task] {
        tasks.withLock { t in
            defer { t.removeAll() }
            return t
        }
    }
}
