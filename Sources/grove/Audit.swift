// grove audit: verify the audit log's hash chain, or print its records.

import ArgumentParser
import Foundation
import GroveModelStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check or read an audit log written by `grove serve --audit-log DIR`.",
        subcommands: [Verify.self, Show.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Re-compute the hash chain and check its end against audit-head; report the first break (deleted, cut or edited records included).")
        @Argument(help: "Audit log directory.") var directory: String

        func run() throws {
            let v = AuditChain.verify(dir: URL(fileURLWithPath: directory, isDirectory: true))
            if let b = v.firstBreak {
                print("BROKEN after \(v.records) good record(s): \(b.file) line \(b.line): \(b.reason)")
                throw ExitCode(1)
            }
            let after = v.recordsAfterHead > 0 ? " (\(v.recordsAfterHead) written after the head: a crash between a commit and its head)" : ""
            print("OK: \(v.records) record(s), chain intact and ending where \(AuditHead.fileName) anchors it\(after); last hash \(v.lastHash)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print records (JSON lines).")
        @Argument(help: "Audit log directory.") var directory: String
        @Option(help: "Only the last N records.") var last: Int?

        func run() throws {
            var lines: [Substring] = []
            for file in AuditChain.files(in: URL(fileURLWithPath: directory, isDirectory: true)) {
                guard let data = FileManager.default.contents(atPath: file.path) else { continue }
                lines += String(decoding: data, as: UTF8.self).split(separator: "\n")
                if let last, lines.count > last * 2 { lines.removeFirst(lines.count - last) }
            }
            if let last, lines.count > last { lines.removeFirst(lines.count - last) }
            for l in lines { print(l) }
        }
    }
}
