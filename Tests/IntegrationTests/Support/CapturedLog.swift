// CapturedLog: a log handler that keeps every message, for tests of what the server logs.

import Foundation
import Logging

/// Keeps each message logged through it (every level), in order; one instance may be shared by
/// the loggers a factory makes. Thread-safe.
final class CapturedLog: LogHandler, @unchecked Sendable {  // `lines` under `lock`
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String)] = []
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.lock()
        lines.append((event.level, event.message.description))
        lock.unlock()
    }

    /// The messages logged at `level` so far.
    func messages(at level: Logger.Level) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines.filter { $0.level == level }.map(\.message)
    }
}
