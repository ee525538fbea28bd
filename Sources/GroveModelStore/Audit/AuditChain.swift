// AuditChain: the hash chain over audit lines: each line carries its sequence number and the hash of the line before.
//
// A line is   {"seq":N,<record fields>,"prev":"<64 hex>"}
// and its hash is SHA-256 of the line's bytes (without the newline). The
// first line's "prev" is 64 zeros. Changing, removing or reordering any line
// breaks the chain at that point, which `verify` reports. The chain's end is
// anchored by DIR/audit-head (`AuditHead`), so removing or editing the newest
// records is reported too.

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
        /// The first broken record: file, 1-based line, and why; nil when the chain is whole
        /// and ends where its head says (or after it: see `recordsAfterHead`).
        public var firstBreak: (file: String, line: Int, reason: String)?
        public var lastHash: String
        /// The anchored end (nil: no head file, which is a break once there are records).
        public var head: AuditHead?
        /// Records after the head: written durably just before a crash, before the head was
        /// replaced. 0 after every clean stop.
        public var recordsAfterHead: UInt64 = 0
    }

    /// Re-computes the chain over every file of `dir` and compares its end with the head
    /// (`AuditHead`): a deleted newest file, a cut tail or an edited last record is a break.
    public static func verify(dir: URL) -> Verification {
        let head: AuditHead?
        do { head = try AuditHead.read(dir: dir) } catch {
            return Verification(records: 0, firstBreak: (AuditHead.fileName, 1, "\(error)"), lastHash: genesis)
        }
        var prev = genesis
        var expectedSeq: UInt64 = 1
        var count: UInt64 = 0
        // The hash of record head.seq and where that record is, once the walk passes it.
        var anchored: (hash: String, file: String, line: Int)? = head?.seq == 0 ? (genesis, AuditHead.fileName, 0) : nil
        func broken(_ file: String, _ line: Int, _ reason: String) -> Verification {
            Verification(records: count, firstBreak: (file, line, reason), lastHash: prev, head: head)
        }
        for file in files(in: dir) {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                return broken(file.lastPathComponent, 0, "cannot read the file")
            }
            let text = String(decoding: data, as: UTF8.self)
            if !text.isEmpty && !text.hasSuffix("\n") {
                let n = text.split(separator: "\n", omittingEmptySubsequences: false).count
                return broken(file.lastPathComponent, n, "incomplete last line")
            }
            for (i, line) in text.split(separator: "\n").enumerated() {
                guard let seq = field(line, "\"seq\":", terminator: ","), UInt64(seq) == expectedSeq else {
                    return broken(file.lastPathComponent, i + 1, "sequence number is not \(expectedSeq)")
                }
                guard line.hasSuffix("\"prev\":\"\(prev)\"}") else {
                    return broken(file.lastPathComponent, i + 1, "does not chain to the record before (altered, removed or reordered)")
                }
                prev = hash(line.utf8)
                expectedSeq += 1
                count += 1
                if count == head?.seq { anchored = (prev, file.lastPathComponent, i + 1) }
            }
        }
        guard let head else {
            if count > 0 { return broken(AuditHead.fileName, 0, "missing: the end of the chain cannot be checked (deleted?)") }
            return Verification(records: 0, firstBreak: nil, lastHash: prev)
        }
        guard let anchored else {
            return broken(AuditHead.fileName, 1, "the head anchors record \(head.seq), but the log ends at record \(count): newer records were deleted or cut")
        }
        guard anchored.hash == head.hash else {
            return broken(anchored.file, anchored.line, "record \(head.seq) is not the record the head anchored (edited)")
        }
        return Verification(records: count, firstBreak: nil, lastHash: prev, head: head, recordsAfterHead: count - head.seq)
    }

    static func field(_ line: Substring, _ key: String, terminator: Character) -> Substring? {
        guard let r = line.range(of: key) else { return nil }
        let rest = line[r.upperBound...]
        guard let end = rest.firstIndex(of: terminator) else { return nil }
        return rest[..<end]
    }
}
