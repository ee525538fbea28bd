// KeyFile: the API key file: one key per line as "ID ROLE SHA256HEX"; only hashes are stored.
//
//   # grove keys: id role sha256(key)
//   trading-desk predict 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//
// `grove keys add` generates a key, prints it once and appends its hash.

import Crypto
import Foundation

public struct KeyFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var role: Role
        /// SHA-256 of the key's UTF-8 bytes.
        public var hash: [UInt8]
    }

    public static let maxFileBytes = 1 << 20
    public private(set) var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    public enum ParseError: Error, CustomStringConvertible {
        case tooLarge
        case badLine(Int, String)

        public var description: String {
            switch self {
            case .tooLarge: return "key file is larger than \(KeyFile.maxFileBytes) bytes"
            case let .badLine(n, why): return "key file line \(n): \(why)"
            }
        }
    }

    /// Parses the file's text. Any bad line refuses the whole file: a typo must
    /// not silently lock out (or let in) a client.
    public init(text: String) throws {
        guard text.utf8.count <= Self.maxFileBytes else { throw ParseError.tooLarge }
        var seen = Set<String>()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 3 else { throw ParseError.badLine(i + 1, "want 'ID ROLE SHA256HEX'") }
            let id = String(parts[0])
            guard Self.isValidID(id) else { throw ParseError.badLine(i + 1, "bad key id '\(id.prefix(40))'") }
            guard let role = Role(rawValue: String(parts[1])) else {
                throw ParseError.badLine(i + 1, "unknown role '\(parts[1].prefix(20))' (predict, read, admin)")
            }
            guard let hash = Self.hex(String(parts[2])), hash.count == 32 else {
                throw ParseError.badLine(i + 1, "the hash must be 64 hex digits")
            }
            guard seen.insert(id).inserted else { throw ParseError.badLine(i + 1, "key id '\(id)' appears twice") }
            entries.append(Entry(id: id, role: role, hash: hash))
        }
    }

    public var text: String {
        "# grove keys: id role sha256(key)\n" + entries.map { "\($0.id) \($0.role) \($0.hash.map { String(format: "%02x", $0) }.joined())\n" }.joined()
    }

    /// Key ids: letters, digits, '.', '_', '-', at most 64 bytes.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && ModelName.isValid(id)
    }

    public mutating func add(id: String, role: Role, key: String) {
        entries.append(Entry(id: id, role: role, hash: Array(SHA256.hash(data: Array(key.utf8)))))
    }

    public mutating func revoke(id: String) -> Bool {
        let before = entries.count
        entries.removeAll { $0.id == id }
        return entries.count != before
    }

    /// A new random key: 32 bytes from the system's CSPRNG, as 64 hex digits with a prefix.
    public static func generateKey() -> String {
        var rng = SystemRandomNumberGenerator()
        return "grv_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    static func hex(_ s: String) -> [UInt8]? {
        guard s.utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let hi = nibble(a), let lo = nibble(b) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
