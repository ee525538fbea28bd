// ModelRegistry: loads the model repository, watches it, and swaps in new snapshots atomically.
//
// Repository layout (written by `grove train`):
//   REPO/NAME/VERSION/model.grove   VERSION a positive integer
//   REPO/NAME/serving               optional: versions to serve and labels (ServingPolicy)
//   REPO/NAME/reasons               optional: reason codes, CSV column,code,text (ReasonCatalog),
//                                   reread at every scan; a bad file keeps the previous codes;
//                                   entries for unknown columns are warned about once per edit
// Loading (read, decode, validate, compile) happens on the watcher thread,
// never on an event loop. A version is loaded once; a version directory that
// disappears is dropped at the next scan. A version that fails stays failed,
// with its reason, until its file changes.

import Foundation
import GroveForest
import GroveModelStore
import GroveWire
import Logging
import Synchronization

public final class ModelRegistry: @unchecked Sendable {  // scans under `scanLock`; the snapshot reference under `lock`
    // Event loops do not take `lock` per request: each reads through its own SnapshotReader,
    // which copies `current` (under the lock) only when `generation` has moved.
    public let repository: URL
    private let logger: Logger
    private let lock = NSLock()
    /// Serialises scans (the watcher's and explicit `rescan()` calls).
    private let scanLock = NSLock()
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
    public static let modelFileName = ModelRepository.modelFileName
    /// Optional per-model serving policy and labels (see ServingPolicy).
    public static let policyFileName = "serving"
    /// Optional per-model reason codes (see ReasonCatalog).
    public static let reasonsFileName = "reasons"

    /// The keys model signatures must verify against (--trusted-signers); nil: signatures
    /// are checked when present but not required. Set before `loadInitial`.
    var trustedSigners: TrustedSigners?

    /// Model versions that failed to load since start (grove_model_load_failures_total).
    let loadFailures = Atomic<UInt64>(0)
    /// Event loops: each served model keeps one statistics slot per loop.
    let loops: Int

    init(repository: URL, logger: Logger, loops: Int = 1) {
        self.loops = max(1, loops)
        self.repository = repository
        self.logger = logger
    }

    /// Bumped (under `lock`, with `current`) each time a snapshot is published; loops compare it
    /// with the generation of the snapshot they hold (SnapshotReader).
    let generation = Atomic<UInt64>(0)

    /// The current snapshot (a reference read under a lock; off the request path: event loops
    /// read through a SnapshotReader).
    var snapshot: RegistrySnapshot {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// The current snapshot and its generation, read together.
    var published: (generation: UInt64, snapshot: RegistrySnapshot) {
        lock.lock()
        defer { lock.unlock() }
        return (generation.load(ordering: .relaxed), current)
    }

    func loadInitial() {
        rescan()
    }

    /// Scans the repository now and publishes a new snapshot when anything changed.
    /// Versions about to be loaded are first published as LOADING, so ListModels shows them.
    public func rescan() {
        scanLock.lock()
        defer { scanLock.unlock() }
        let old = snapshot
        var entries: [String: RegistrySnapshot.Entry] = [:]
        var newSeen: [String: [UInt64: FileStamp]] = [:]
        var toLoad: [(name: String, version: UInt64, file: URL)] = []
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: repository.path)) ?? []
        for name in names.sorted() where ModelName.isValid(name) {
            let dir = repository.appendingPathComponent(name, isDirectory: true)
            guard let children = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
            let policy = readPolicy(dir: dir, name: name)
            var present: [UInt64: (URL, FileStamp)] = [:]
            for child in children {
                guard let version = ModelName.version(child) else { continue }
                let file = dir.appendingPathComponent(child).appendingPathComponent(Self.modelFileName)
                guard let attrs = try? fm.attributesOfItem(atPath: file.path),
                      let size = attrs[.size] as? Int, let modified = attrs[.modificationDate] as? Date else {
                    continue  // a version directory without a model file is not a version
                }
                present[version] = (file, FileStamp(size: size, modified: modified))
            }
            guard !present.isEmpty else { continue }
            let selected = policy.select(Array(present.keys))
            var entry = RegistrySnapshot.Entry()
            entry.labels = policy.labels
            entry.reasons = readReasons(dir: dir, name: name, previous: old.entries[name]?.reasons)
            for (version, (file, stamp)) in present {
                guard selected.contains(version) else {
                    entry.versions[version] = policy.unloaded.contains(version) ? .unloaded : .retired
                    continue
                }
                newSeen[name, default: [:]][version] = stamp
                if seen[name]?[version] == stamp, let slot = old.entries[name]?.versions[version], slot.isSettled {
                    entry.versions[version] = slot
                } else {
                    // A version already serving whose file changed (re-published, copied over)
                    // keeps serving what it loaded until the new file has loaded: as LOADING
                    // meanwhile its calls would go to another version, and Health would turn
                    // NOT_SERVING were it the only one.
                    if case let .available(model)? = old.entries[name]?.versions[version] {
                        entry.versions[version] = .available(model)
                    } else {
                        entry.versions[version] = .loading
                    }
                    toLoad.append((name, version, file))
                }
            }
            entries[name] = entry
        }
        seen = newSeen
        if !toLoad.isEmpty { publish(entries) }  // LOADING is visible while the files load
        for item in toLoad {
            let started = Date()
            switch ServedModel.load(file: item.file, name: item.name, version: item.version, trusted: trustedSigners, loops: loops) {
            case let .success(model):
                entries[item.name]!.versions[item.version] = .available(model)
                logger.info("loaded \(item.name)@\(item.version) (\(model.info.trees) trees, sha256 \(model.info.sha256.prefix(12))…) in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
            case let .failure(error):
                loadFailures.add(1, ordering: .relaxed)
                if case .available? = entries[item.name]!.versions[item.version] {
                    // The file of a version already serving changed and does not load: it keeps
                    // serving what it loaded before (as the reasons file keeps its wording).
                    logger.error("model \(item.name)@\(item.version): its file changed and failed to load: \(error.reason); still serving the file loaded before")
                } else {
                    entries[item.name]!.versions[item.version] = .failed(error.reason)
                    logger.error("model \(item.name)@\(item.version) failed to load: \(error.reason)")
                }
            }
        }
        // A label keeps pointing at its version whatever that version's state: a call through a
        // label on a failed, retired or missing version is NOT_FOUND saying so, never another version.
        for name in entries.keys {
            for (label, v) in entries[name]!.labels {
                if case .available? = entries[name]!.versions[v] { continue }
                if old.entries[name]?.labels[label] == v, old.entries[name]?.versions[v]?.state == entries[name]!.versions[v]?.state { continue }
                logger.warning("label \(label) of \(name) points at version \(v), which is not available; calls through it are NOT_FOUND")
            }
        }
        var reasonsChanged = false
        for (name, e) in entries where e.reasons != old.entries[name]?.reasons ?? ReasonCatalog() {
            reasonsChanged = true
            warnUnknownReasonColumns(name: name, entry: e)
        }
        if !toLoad.isEmpty || reasonsChanged
            || RegistrySnapshot.Entry.layout(entries) != RegistrySnapshot.Entry.layout(old.entries) {
            publish(entries)
        }
    }

    /// Logs a warning for each entry of `entry`'s reasons file that names no input column of
    /// any of its available versions (a misspelt column would otherwise go unnoticed: its
    /// reasons just keep the column name as text). Called when the file's entries change, so
    /// once per edit, not at every scan; nothing when no version is available to compare with.
    private func warnUnknownReasonColumns(name: String, entry: RegistrySnapshot.Entry) {
        var columns: Set<String> = []
        for case let .available(model) in entry.versions.values {
            columns.formUnion(model.model.preprocessing.columns.map(\.name))
        }
        guard !columns.isEmpty else { return }
        for column in entry.reasons.unknownColumns(of: Array(columns)) {
            logger.warning("\(name)/\(Self.reasonsFileName): column \"\(column)\" is not an input column of any available version of \(name); its entry is never used")
        }
    }

    private func publish(_ entries: [String: RegistrySnapshot.Entry]) {
        let next = RegistrySnapshot(entries: entries)
        lock.lock()
        current = next
        generation.add(1, ordering: .releasing)
        lock.unlock()
        logger.debug("registry: \(next.availableCount) available version(s) across \(entries.count) model(s)")
    }

    func readPolicy(dir: URL, name: String) -> ServingPolicy {
        let url = dir.appendingPathComponent(Self.policyFileName)
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path) else { return ServingPolicy() }
        guard let size = attrs[.size] as? Int, size <= ServingPolicy.maxFileBytes,
              let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            logger.warning("\(name)/\(Self.policyFileName) is unreadable or over \(ServingPolicy.maxFileBytes) bytes; using defaults")
            return ServingPolicy()
        }
        let policy = ServingPolicy(text: text)
        for problem in policy.problems { logger.warning("\(name)/\(Self.policyFileName) \(problem)") }
        return policy
    }

    /// The model's reason codes: none without a file; the previous ones (with a logged
    /// error) when the file is unreadable, too large or malformed.
    func readReasons(dir: URL, name: String, previous: ReasonCatalog?) -> ReasonCatalog {
        let url = dir.appendingPathComponent(Self.reasonsFileName)
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path) else { return ReasonCatalog() }
        guard let size = attrs[.size] as? Int, size <= ReasonCatalog.maxBytes,
              let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            logger.error("\(name)/\(Self.reasonsFileName) is unreadable or over \(ReasonCatalog.maxBytes) bytes; keeping the previous reason codes")
            return previous ?? ReasonCatalog()
        }
        do {
            return try ReasonCatalog(csv: text)
        } catch {
            logger.error("\(name)/\(Self.reasonsFileName): \(error); keeping the previous reason codes")
            return previous ?? ReasonCatalog()
        }
    }

    // MARK: - Watching

    /// Starts the watcher thread; `alsoEachScan` runs on it before every scan (key file checks).
    func startWatching(intervalSeconds: Double, alsoEachScan: @escaping @Sendable () -> Void = {}) {
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
                alsoEachScan()
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
