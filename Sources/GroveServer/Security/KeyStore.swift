// KeyStore: the server's current Keyring, read from --keys FILE and reloaded when the file changes.

import Foundation
import GroveModelStore
import Logging
import Synchronization

final class KeyStore: Sendable {
    let url: URL
    private let logger: Logger

    private struct State {
        var current: Keyring
        /// Size and modification time of the file last read.
        var stamp: (Int, Date)?
        /// Why the file on disk is refused; nil when valid.
        var error: String?
    }

    private let state: Mutex<State>

    /// Reads the file; a missing or invalid file stops the server from starting.
    init(url: URL, logger: Logger) throws {
        self.url = url
        self.logger = logger
        let (ring, stamp) = try KeyStore.read(url)
        state = Mutex(State(current: ring, stamp: stamp, error: nil))
        logger.info("API keys: \(ring.file.entries.count) key(s) loaded; every call needs a key")
    }

    var keyring: Keyring {
        state.withLock { $0.current }
    }

    /// Reloads that found an invalid file, counted at every reload while it stays invalid
    /// (grove_key_reload_failures_total; Stats.key_reload_failures).
    let reloadFailures = Atomic<UInt64>(0)

    /// Why the file on disk is refused (nil when valid): Stats.key_file_error.
    var fileError: String? {
        state.withLock { $0.error }
    }

    /// Re-reads the file when its size or modification time changed (or when `force`).
    /// An invalid file is refused and the last valid keys stay in force (so a typo never
    /// opens the server to everyone, nor locks everyone out); while it stays invalid it is
    /// re-read, counted and logged as an error at every reload, and Stats reports why.
    func reloadIfChanged(force: Bool = false) {
        let attrs = try? FileManager.default.attributesOfItem(atPath: url.path)
        let now = (attrs?[.size] as? Int ?? -1, attrs?[.modificationDate] as? Date ?? .distantPast)
        let unchanged = state.withLock { s in
            !force && s.error == nil && s.stamp.map { $0.0 == now.0 && $0.1 == now.1 } == true
        }
        if unchanged { return }
        do {
            let (ring, newStamp) = try KeyStore.read(url)
            let recovered = state.withLock { s in
                s.current = ring
                s.stamp = newStamp
                defer { s.error = nil }
                return s.error != nil
            }
            logger.info("API keys reloaded: \(ring.file.entries.count) key(s)\(recovered ? " (the key file is valid again)" : "")")
        } catch {
            let reason = "\(error)"
            state.withLock { $0.error = reason }
            reloadFailures.add(1, ordering: .relaxed)
            logger.error("API key file \(url.path) is invalid; the last valid keys stay in force (a key revoked in the new file still works): \(error)")
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
