// TrustedSigners: the public keys whose model signatures a server accepts (`grove serve --trusted-signers FILE`).

import Foundation

/// The trusted-signers file: one signer per line, `NAME PUBLIC_KEY_HEX` (the line
/// `grove keys signing-key` prints), `#` starts a comment. Names are letters, digits,
/// '.', '_', '-'; keys are 32-byte Ed25519 public keys in hex. A file with any bad line is
/// refused as a whole (the error names the line), so a typo never trusts less or more than meant.
public struct TrustedSigners: Equatable, Sendable {
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case badLine(line: Int, reason: String)
        case duplicateName(line: Int, name: String)
        case duplicateKey(line: Int)
        case empty

        public var description: String {
            switch self {
            case let .badLine(line, reason): return "trusted signers line \(line): \(reason)"
            case let .duplicateName(line, name): return "trusted signers line \(line): signer '\(name)' appears twice"
            case let .duplicateKey(line): return "trusted signers line \(line): this key appears twice"
            case .empty: return "the trusted signers file names no signer (it would refuse every model)"
            }
        }
    }

    /// Signer name by raw public key.
    public private(set) var names: [[UInt8]: String] = [:]

    /// Largest file read (10,000 signers is far beyond any real use).
    public static let maxFileBytes = 1 << 20

    public init(text: String) throws(ParseError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty { continue }
            guard words.count == 2 else { throw .badLine(line: line, reason: "want NAME PUBLIC_KEY_HEX") }
            let name = String(words[0])
            guard KeyFile.isValidID(name) else { throw .badLine(line: line, reason: "invalid signer name '\(name.prefix(64))'") }
            guard let key = Self.hex(words[1]), key.count == 32 else {
                throw .badLine(line: line, reason: "the key must be 64 hex digits (a 32-byte Ed25519 public key)")
            }
            if names.values.contains(name) { throw .duplicateName(line: line, name: name) }
            if names[key] != nil { throw .duplicateKey(line: line) }
            names[key] = name
        }
        if names.isEmpty { throw .empty }
    }

    /// The trusted name of `publicKey`, or nil when it is not trusted.
    public func name(of publicKey: [UInt8]) -> String? { names[publicKey] }

    /// Reads and parses a trusted-signers file.
    public static func load(_ url: URL) throws -> TrustedSigners {
        let data = try Data(contentsOf: url)
        guard data.count <= maxFileBytes else { throw ParseError.badLine(line: 0, reason: "file larger than \(maxFileBytes) bytes") }
        return try TrustedSigners(text: String(decoding: data, as: UTF8.self))
    }

    static func hex<S: StringProtocol>(_ s: S) -> [UInt8]? {
        let digits = Array(s.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let h = Self.nibble(digits[i]), let l = Self.nibble(digits[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
