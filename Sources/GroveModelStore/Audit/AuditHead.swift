// AuditHead: the anchored end of the audit chain: the last durable record's sequence number and hash.

import Foundation
import GroveSystem

/// `DIR/audit-head` holds one line, `grove-audit-head-v1 SEQ HASH`, replaced atomically
/// (temporary file, fsync, rename, directory fsync) after every group commit, once the records
/// it names are durable. The hash chain alone cannot show that its newest records were deleted,
/// cut or edited (what remains still chains); comparing the chain with the head can
/// (`AuditChain.verify`). Copy the head off the machine to defend against someone who can
/// rewrite both.
public struct AuditHead: Equatable, Sendable {
    public static let fileName = "audit-head"
    static let tag = "grove-audit-head-v1"

    /// Records in the chain when the head was written.
    public var seq: UInt64
    /// Hash of record `seq` (the genesis hash when `seq` is 0).
    public var hash: String

    public init(seq: UInt64, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    public var text: String { "\(Self.tag) \(seq) \(hash)\n" }

    /// The head of `dir`; nil when there is none. Throws when the file exists but is not a head.
    public static func read(dir: URL) throws -> AuditHead? {
        let url = dir.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let words = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isWhitespace)
        guard words.count == 3, words[0] == tag, let seq = UInt64(words[1]), words[2].count == 64 else {
            throw AuditHeadError(description: "\(fileName) is not a head line ('\(tag) SEQ HASH')")
        }
        return AuditHead(seq: seq, hash: String(words[2]))
    }

    /// Replaces the head of `dir` durably.
    public func write(dir: URL) throws(SystemCallError) {
        try AtomicFile.replace(dir.appendingPathComponent(Self.fileName).path, with: Array(text.utf8), mode: 0o600)
    }
}

/// A head file that cannot be read as one.
public struct AuditHeadError: Error, CustomStringConvertible {
    public let description: String
}
