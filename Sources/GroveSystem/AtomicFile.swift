// AtomicFile: replace a file so that a reader (or a crash) sees the old content or the new, never a mix.

import Glibc

/// Writes go to a temporary file beside the target (same directory, so the same file
/// system), which is fsynced, renamed over the target, and the directory fsynced: after
/// `replace` returns, the new content is durable; if it throws, the old file is untouched
/// and no temporary file is left.
public enum AtomicFile {
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws(SystemCallError) {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try Syscall.open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do throws(SystemCallError) {
            defer { Syscall.close(fd) }
            try Syscall.writeAll(fd, bytes)
            try Syscall.fsync(fd)
        } catch {
            try? Syscall.unlinkIfPresent(tmp)
            throw error
        }
        do {
            try Syscall.rename(tmp, path)
        } catch {
            try? Syscall.unlinkIfPresent(tmp)
            throw error
        }
        let slash = path.lastIndex(of: "/")
        try Syscall.syncDirectory(slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? ".")
    }
}
