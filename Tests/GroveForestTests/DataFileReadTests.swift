// DataFileReadTests: a data file cut, rewritten or grown by another process while Grove reads it
// (`grove train` hashes and parses the bytes `CSVReader.withFileBytes` hands it).

import Foundation
import Glibc
import GroveSystem
import Testing
@testable import GroveForest

@Suite struct DataFileReadTests {
    /// A file of `count` bytes (a repeating pattern) in a fresh directory, its modification time
    /// set in the past so that a rewrite now changes it whatever the file system's clock tick.
    private static func file(count: Int, name: String = "data.csv") throws -> (path: String, bytes: [UInt8]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: path)
        return (path, bytes)
    }

    /// Removes the directory `file` made for `path` (cleanup only: a failure here says nothing
    /// about the read under test).
    private static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    /// Overwrites the file in place (same inode, as an editor saving without a rename would).
    private static func rewrite(_ path: String, with bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_TRUNC)
        precondition(fd >= 0, "open \(path)")
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(n == bytes.count, "write \(path)")
    }

    /// The bytes handed to the body are the process's own: cutting the file to nothing and
    /// writing other bytes while the body runs changes none of them (a mapped file would show
    /// the new bytes, or end the process with SIGBUS past the cut).
    @Test func bytesHandedOutStayTheSameWhenTheFileIsCutAndRewritten() throws {
        let (path, original) = try Self.file(count: 256 << 10)
        defer { Self.remove(path) }
        let seen: [UInt8] = try CSVReader.withFileBytes(path: path) { buffer in
            #expect(truncate(path, 0) == 0)
            Self.rewrite(path, with: [UInt8](repeating: UInt8(ascii: "x"), count: 4096))
            return Array(buffer)
        }
        #expect(seen == original)
    }

    @Test func aFileCutDuringTheReadIsAnError() throws {
        let (path, original) = try Self.file(count: 64 << 10)
        defer { Self.remove(path) }
        #expect(throws: FileChangedError(path: path, sizeWhenOpened: original.count, bytesRead: 4096, sizeWhenRead: 100)) {
            try Syscall.withFileBytes(path: path, chunkBytes: 4096, afterChunk: { got in
                if got == 4096 { #expect(truncate(path, 100) == 0) }
            }) { _ in Issue.record("the body ran on the bytes of a file cut during the read") }
        }
    }

    @Test func aFileRewrittenInPlaceDuringTheReadIsAnError() throws {
        let (path, original) = try Self.file(count: 64 << 10)
        defer { Self.remove(path) }
        #expect(throws: FileChangedError(path: path, sizeWhenOpened: original.count, bytesRead: original.count, sizeWhenRead: original.count)) {
            try Syscall.withFileBytes(path: path, chunkBytes: 4096, afterChunk: { got in
                if got == 4096 { Self.rewrite(path, with: original.reversed()) }
            }) { _ in Issue.record("the body ran on bytes that may mix two versions of the file") }
        }
    }

    @Test func aFileGrownDuringTheReadIsAnError() throws {
        let (path, original) = try Self.file(count: 64 << 10)
        defer { Self.remove(path) }
        #expect(throws: FileChangedError(path: path, sizeWhenOpened: original.count, bytesRead: original.count + 1,
                                         sizeWhenRead: original.count + 10)) {
            try Syscall.withFileBytes(path: path, chunkBytes: 4096, afterChunk: { got in
                if got == 4096 { Self.rewrite(path, with: original + [UInt8](repeating: 10, count: 10)) }
            }) { _ in Issue.record("the body ran on the bytes of a file that grew during the read") }
        }
    }

    /// A regular file that reports size 0 but has content (procfs) is read to its end, and a
    /// file larger than the memory the system grants is a clear ENOMEM error, not a crash.
    @Test func sizeZeroFilesAndFilesBeyondMemory() throws {
        let status = try Syscall.withFileBytes(path: "/proc/self/status") { Array($0) }
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
        let (path, _) = try Self.file(count: 1)
        defer { Self.remove(path) }
        #expect(truncate(path, 1 << 43) == 0, "a sparse file of 8 TiB")
        #expect(throws: SystemCallError(call: "allocate \((1 << 43) + 1) bytes to read \(path)", errno: Errno(rawValue: ENOMEM))) {
            try Syscall.withFileBytes(path: path) { _ in Issue.record("the body ran on an 8 TiB file") }
        }
    }

    /// A quiet file is read whole (in several reads, or none for an empty file); a missing one
    /// is a read error naming the file.
    @Test func quietFilesAreReadWhole() throws {
        let (path, original) = try Self.file(count: 10_007)
        defer { Self.remove(path) }
        #expect(try Syscall.withFileBytes(path: path, chunkBytes: 4096) { Array($0) } == original)
        #expect(try CSVReader.readFile(path: path) == original)
        let empty = try Self.file(count: 0)
        defer { Self.remove(empty.path) }
        #expect(try CSVReader.readFile(path: empty.path) == [])
        #expect(throws: CSVError.cannotRead(path: empty.path + ".absent", reason: Errno(rawValue: ENOENT).description)) {
            try CSVReader.readFile(path: empty.path + ".absent")
        }
    }
}
