// AuditChain: the hash chain over audit lines: each line carries its sequence number and the hash of the line before.
//
// A line is   {"seq":N,<record fields>,"prev":"<64 hex>"}
// and its hash is SHA-256 of the line's bytes (without the newline). The
// first line's "prev" is 64 zeros. Changing, removing or reordering any line
// breaks the chain at that point, which `verify` reports.

import Crypto
import Foundation

public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    static func line(seq: UInt64, record: AuditRecord, prev: String) -> String {
        "{\"seq\":\(seq),\(record.jsonFields()),\"prev\":\"\(prev)\"}"
    }

    static func hash(_ line: Substring.UTF8View) -> String {
        SHA256.hash(data: Array(line)).map { String(format: "%02x", $0) }.joined()
    }

    public static func hash(of line: String) -> String { hash(Substring(line).utf8) }

    /// The audit files of a directory, in order.
    public static func files(in dir: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("audit-") && $0.hasSuffix(".log") }.sorted().map { dir.appendingPathComponent($0) }
    }

    public struct Verification: Sendable {
        public var records: UInt64
        /// The first broken record: file, 1-based line, and why; nil when the chain is whole.
        public var firstBreak: (file: String, line: Int, reason: String)?
        public var lastHash: String
    }

    /// Re-computes the chain over every file of `dir`.
    public static func verify(dir: URL) -> Verification {
        var prev = genesis
        var expectedSeq: UInt64 = 1
        var count: UInt64 = 0
        for file in files(in: dir) {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                return Verification(records: count, firstBreak: (file.lastPathComponent, 0, "cannot read the file"), lastHash: prev)
            }
            let text = String(decoding: data, as: UTF8.self)
            if !text.isEmpty && !text.hasSuffix("\n") {
                let n = text.split(separator: "\n", omittingEmptySubsequences: false).count
                return Verification(records: count, firstBreak: (file.lastPathComponent, n, "incomplete last line"), lastHash: prev)
            }
            for (i, line) in text.split(separator: "\n").enumerated() {
                guard let seq = field(line, "\"seq\":", terminator: ","), UInt64(seq) == expectedSeq else {
                    return Verification(records: count, firstBreak: (file.lastPathComponent, i + 1, "sequence number is not \(expectedSeq)"), lastHash: prev)
                }
                guard line.hasSuffix("\"prev\":\"\(prev)\"}") else {
                    return Verification(records: count, firstBreak: (file.lastPathComponent, i + 1, "does not chain to the record before (altered, removed or reordered)"), lastHash: prev)
                }
                prev = hash(line.utf8)
                expectedSeq += 1
                count += 1
            }
        }
        return Verification(records: count, firstBreak: nil, lastHash: prev)
    }

    static func field(_ line: Substring, _ key: String, terminator: Character) -> Substring? {
        guard let r = line.range(of: key) else { return nil }
        let rest = line[r.upperBound...]
        guard let end = rest.firstIndex(of: terminator) else { return nil }
        return rest[..<end]
    }
}
