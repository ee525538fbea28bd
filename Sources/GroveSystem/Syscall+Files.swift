// Syscall+Files: the file calls (open, write, fsync, fdatasync, rename), wrapped once like the rest.

import Glibc

extension Syscall {
    /// open(2) with O_CLOEXEC added.
    public static func openFile(_ path: String, flags: CInt, mode: mode_t = 0o644) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try must("open") { Glibc.open(path, flags | O_CLOEXEC, mode) })
    }

    /// Writes all of `bytes` to a file (short writes continued, EINTR retried).
    public static func writeAll(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let n = try must("write") { Glibc.write(fd.rawValue, bytes.baseAddress! + offset, bytes.count - offset) }
            offset += n
        }
    }

    public static func fsync(_ fd: FileDescriptor) throws(SystemCallError) {
        _ = try must("fsync") { Glibc.fsync(fd.rawValue) }
    }

    public static func fdatasync(_ fd: FileDescriptor) throws(SystemCallError) {
        _ = try must("fdatasync") { Glibc.fdatasync(fd.rawValue) }
    }

    /// rename(2): atomic replacement of `to` within one file system.
    public static func rename(_ from: String, _ to: String) throws(SystemCallError) {
        _ = try must("rename") { Glibc.rename(from, to) }
    }

    /// unlink(2); a missing file is not an error.
    public static func unlink(_ path: String) throws(SystemCallError) {
        do { _ = try must("unlink") { Glibc.unlink(path) } } catch where error.errno.rawValue == ENOENT {}
    }
}
