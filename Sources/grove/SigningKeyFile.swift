// SigningKeyFile: the private Ed25519 model-signing key on disk (`grove keys signing-key`, `grove sign`).

import ArgumentParser
import Crypto
import Foundation
import GroveModelStore
import GroveSystem

/// One line: `grove-signing-key-v1 <64 hex digits>` (the raw 32-byte private key), mode 0600.
enum SigningKeyFile {
    static let tag = "grove-signing-key-v1"

    static func load(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read the signing key \(path)") }
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 2, words[0] == tag, let raw = hexBytes(words[1]), raw.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw ValidationError("\(path) is not a Grove signing key (want '\(tag) <64 hex digits>')")
        }
        return key
    }

    /// Writes a new key (refusing to overwrite one) atomically with mode 0600; returns it.
    static func create(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        guard !FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path) exists; a signing key is never overwritten") }
        let key = Curve25519.Signing.PrivateKey()
        let text = "\(tag) \(key.rawRepresentation.map { String(format: "%02x", $0) }.joined())\n"
        do { try AtomicFile.replace(path, with: Array(text.utf8), mode: 0o600) } catch { throw ValidationError("cannot write \(path): \(error)") }
        return key
    }

    static func hexBytes<S: StringProtocol>(_ s: S) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}
