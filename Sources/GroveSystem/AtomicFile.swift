// AtomicFile: replace a file so that a reader (or a crash) sees the old content or the new, never a mix.

import Glibc

/// Writes go to a temporary file beside the target (same directory, so the same file
/// system), which is fsynced, renamed over the target, and the directory fsynced: after
/// `replace` returns, the new content is durable; if it throws, the old file is untouched.
public enum AtomicFile {
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws(SystemCallError) {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try Syscall.openFile(tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do throws(SystemCallError) {
            defer { Syscall.close(fd) }
            let written = bytes.withUnsafeBytes { raw in Result { () throws(SystemCallError) in try Syscall.writeAll(fd, raw) } }
            try written.get()
            try Syscall.fsync(fd)
        } catch {
            try? Syscall.unlink(tmp)
            throw error
        }
        do {
            try Syscall.rename(tmp, path)
        } catch {
            try? Syscall.unlink(tmp)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// fsyncs the directory holding `path`, so a rename into it is durable.
    public static func syncDirectory(of path: String) throws(SystemCallError) {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let fd = try Syscall.openFile(dir, flags: O_RDONLY | O_DIRECTORY)
        defer { Syscall.close(fd) }
        try Syscall.fsync(fd)
    }
}
