// KeyStore: the server's current Keyring, read from --keys FILE and reloaded when the file changes.

import Foundation
import GroveModelStore
import Logging
import Synchronization

final class KeyStore: @unchecked Sendable {
    let url: URL
    private let logger: Logger
    private let lock = NSLock()
    private var current: Keyring
    private var stamp: (Int, Date)?

    /// Reads the file; a missing or invalid file stops the server from starting.
    init(url: URL, logger: Logger) throws {
        self.url = url
        self.logger = logger
        let (ring, stamp) = try KeyStore.read(url)
        current = ring
        self.stamp = stamp
        logger.info("API keys: \(ring.file.entries.count) key(s) loaded; every call needs a key")
    }

    var keyring: Keyring {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Re-reads the file when its size or modification time changed (or when `force`).
    /// An invalid new file is refused and the previous keys stay in force.
    /// Reloads refused since start (grove_key_reload_failures_total).
    let reloadFailures = Atomic<UInt64>(0)

    func reloadIfChanged(force: Bool = false) {
        let attrs = try? FileManager.default.attributesOfItem(atPath: url.path)
        let now = (attrs?[.size] as? Int ?? -1, attrs?[.modificationDate] as? Date ?? .distantPast)
        if !force, let s = stamp, s.0 == now.0, s.1 == now.1 { return }
        do {
            let (ring, newStamp) = try KeyStore.read(url)
            lock.lock()
            current = ring
            stamp = newStamp
            lock.unlock()
            logger.info("API keys reloaded: \(ring.file.entries.count) key(s)")
        } catch {
            lock.lock()
            stamp = now
            lock.unlock()
            reloadFailures.add(1, ordering: .relaxed)
            logger.error("API key file not reloaded, previous keys stay in force: \(error)")
        }
    }

    private static func read(_ url: URL) throws -> (Keyring, (Int, Date)) {
        let attrs = try FileManager.default.attributesOfItem(atPath: url.path)
        let size = attrs[.size] as? Int ?? 0
        guard size <= KeyFile.maxFileBytes else { throw KeyFile.ParseError.tooLarge }
        let text = try String(contentsOf: url, encoding: .utf8)
        return (Keyring(file: try KeyFile(text: text)), (size, attrs[.modificationDate] as? Date ?? .distantPast))
    }
}
