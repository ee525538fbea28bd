// ModelRegistry: loads the model repository, watches it, and swaps in new snapshots atomically.
//
// Repository layout (written by `grove train`):
//   REPO/NAME/VERSION/model.grove   VERSION a positive integer
//   REPO/NAME/labels                optional: lines "LABEL VERSION" (e.g. "stable 3")
// Loading (read, decode, validate, compile) happens on the watcher thread,
// never on an event loop. A version is loaded once; a version directory that
// disappears is dropped at the next scan. A version that fails stays failed,
// with its reason, until its file changes.

import Foundation
import GroveWire
import Logging

public final class ModelRegistry: @unchecked Sendable {
    public let repository: URL
    private let logger: Logger
    private let lock = NSLock()
    private var current = RegistrySnapshot.empty
    private let wake = NSCondition()
    private var wakeRequested = false
    private var watching = false
    private var watcherDone: DispatchSemaphore?
    /// File identity (size, mtime) of each loaded or failed version, to notice a rewritten file.
    private var seen: [String: [UInt64: FileStamp]] = [:]

    struct FileStamp: Equatable {
        let size: Int
        let modified: Date
    }

    /// Name of the model file inside a version directory.
    public static let modelFileName = "model.grove"
    public static let labelsFileName = "labels"

    init(repository: URL, logger: Logger) {
        self.repository = repository
        self.logger = logger
    }

    /// The current snapshot (a reference read under a lock: a few nanoseconds).
    var snapshot: RegistrySnapshot {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func loadInitial() {
        rescan()
    }

    /// Scans the repository now and publishes a new snapshot when anything changed.
    public func rescan() {
        let old = snapshot
        var entries: [String: RegistrySnapshot.Entry] = [:]
        var newSeen: [String: [UInt64: FileStamp]] = [:]
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: repository.path)) ?? []
        var changed = false
        for name in names.sorted() where ModelName.isValid(name) {
            let dir = repository.appendingPathComponent(name, isDirectory: true)
            guard let children = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
            var entry = RegistrySnapshot.Entry()
            for child in children {
                guard let version = ModelName.version(child) else { continue }
                let file = dir.appendingPathComponent(child).appendingPathComponent(Self.modelFileName)
                guard let attrs = try? fm.attributesOfItem(atPath: file.path),
                      let size = attrs[.size] as? Int, let modified = attrs[.modificationDate] as? Date else {
                    continue  // a version directory being written (no model file yet) is not a version yet
                }
                let stamp = FileStamp(size: size, modified: modified)
                newSeen[name, default: [:]][version] = stamp
                if seen[name]?[version] == stamp, let slot = old.entries[name]?.versions[version] {
                    entry.versions[version] = slot
                    continue
                }
                changed = true
                let started = Date()
                switch ServedModel.load(file: file, name: name, version: version) {
                case let .success(model):
                    entry.versions[version] = .available(model)
                    logger.info("loaded \(name)@\(version) (\(model.info.trees) trees, sha256 \(model.info.sha256.prefix(12))…) in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
                case let .failure(error):
                    let reason = error.reason
                    entry.versions[version] = .failed(reason)
                    logger.error("model \(name)@\(version) failed to load: \(reason)")
                }
            }
            entry.labels = readLabels(dir: dir, name: name, versions: entry.versions)
            if entry.labels != old.entries[name]?.labels ?? [:] { changed = true }
            if !entry.versions.isEmpty { entries[name] = entry }
        }
        if Set(entries.keys) != Set(old.entries.keys) { changed = true }
        for (name, entry) in entries where Set(entry.versions.keys) != Set(old.entries[name]?.versions.keys ?? [:].keys) {
            changed = true
        }
        seen = newSeen
        guard changed else { return }
        let next = RegistrySnapshot(entries: entries)
        lock.lock()
        current = next
        lock.unlock()
        logger.debug("registry: \(next.availableCount) available version(s) across \(entries.count) model(s)")
    }

    /// Labels file: "LABEL VERSION" per line; '#' starts a comment. A label
    /// pointing at a version that is not available is ignored (and logged).
    private func readLabels(dir: URL, name: String, versions: [UInt64: RegistrySnapshot.Slot]) -> [String: UInt64] {
        let url = dir.appendingPathComponent(Self.labelsFileName)
        guard let data = try? Data(contentsOf: url), data.count <= 64 * 1024,
              let text = String(data: data, encoding: .utf8) else { return [:] }
        var labels: [String: UInt64] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" })
            guard parts.count == 2, ModelName.isValid(String(parts[0])), let v = UInt64(parts[1]) else { continue }
            guard case .available? = versions[v] else {
                logger.warning("label \(parts[0]) of \(name) points at version \(v), which is not available; ignored")
                continue
            }
            labels[String(parts[0])] = v
        }
        return labels
    }

    // MARK: - Watching

    func startWatching(intervalSeconds: Double) {
        lock.lock()
        guard !watching else { lock.unlock(); return }
        watching = true
        lock.unlock()
        let done = DispatchSemaphore(value: 0)
        watcherDone = done
        let thread = Thread { [self] in
            while true {
                wake.lock()
                if intervalSeconds > 0 {
                    let deadline = Date(timeIntervalSinceNow: intervalSeconds)
                    while !wakeRequested && watchingNow && wake.wait(until: deadline) {}
                } else {
                    // No polling: sleep until SIGHUP or stop. (wait(until: .distantFuture)
                    // overflows on Linux's Foundation, so wait without a deadline.)
                    while !wakeRequested && watchingNow { wake.wait() }
                }
                wakeRequested = false
                wake.unlock()
                if !watchingNow { break }
                rescan()
            }
            done.signal()
        }
        thread.name = "grove-registry"
        thread.start()
    }

    private var watchingNow: Bool {
        lock.lock()
        defer { lock.unlock() }
        return watching
    }

    /// Asks the watcher to rescan now (SIGHUP).
    func rescanSoon() {
        wake.lock()
        wakeRequested = true
        wake.signal()
        wake.unlock()
    }

    func stopWatching() {
        lock.lock()
        watching = false
        lock.unlock()
        rescanSoon()
        watcherDone?.wait()
        watcherDone = nil
    }
}
