// Syscall+Files: the file calls (open, read, write-all, fsync, rename, unlink, mmap) of the
// model repository, the audit log, admin uploads and the CSV reader, each wrapped once.
//
// Same rules as Syscall.swift: EINTR is retried in `Syscall.call`, a failure is thrown as a
// `SystemCallError` naming the call, and EBADF/EFAULT on a descriptor Grove owns stop the
// process. These calls are blocking (regular files), so EAGAIN is an error here too.

import Glibc

extension Syscall {
    /// Opens `path` (close-on-exec is always added); `mode` matters with O_CREAT.
    public static func open(_ path: String, _ flags: CInt, mode: mode_t = 0) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try must("open") { Glibc.open(path, flags | O_CLOEXEC, mode) })
    }

    /// The size in bytes of the open file, and whether it is a regular file.
    public static func fileStatus(_ fd: FileDescriptor) throws(SystemCallError) -> (size: Int, isRegular: Bool) {
        var st = stat()
        _ = try must("fstat") { fstat(fd.rawValue, &st) }
        return (Int(st.st_size), (st.st_mode & S_IFMT) == S_IFREG)
    }

    /// Writes every byte of `bytes[range]` (default: all) to a blocking descriptor; a short
    /// write continues where it stopped.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8], _ range: Range<Int>? = nil) throws(SystemCallError) {
        var offset = range?.lowerBound ?? 0
        let end = range?.upperBound ?? bytes.count
        while offset < end {
            let n = try must("write") {
                bytes.withUnsafeBytes { Glibc.write(fd.rawValue, $0.baseAddress! + offset, end - offset) }
            }
            offset += n
        }
    }

    /// fsync(2): the file's data and metadata reach the disk.
    public static func fsync(_ fd: FileDescriptor) throws(SystemCallError) {
        _ = try must("fsync") { Glibc.fsync(fd.rawValue) }
    }

    /// ftruncate(2): cuts (or extends) the file to `size` bytes.
    public static func truncate(_ fd: FileDescriptor, to size: Int) throws(SystemCallError) {
        _ = try must("ftruncate") { Glibc.ftruncate(fd.rawValue, off_t(size)) }
    }

    /// fdatasync(2): the file's data (and the size) reach the disk.
    public static func fdatasync(_ fd: FileDescriptor) throws(SystemCallError) {
        _ = try must("fdatasync") { Glibc.fdatasync(fd.rawValue) }
    }

    /// Makes the entries of directory `path` durable (after creating or renaming in it).
    public static func syncDirectory(_ path: String) throws(SystemCallError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd)
    }

    /// rename(2): atomic within one file system; for directories it fails (EEXIST or
    /// ENOTEMPTY) when `to` exists and is not empty.
    public static func rename(_ from: String, _ to: String) throws(SystemCallError) {
        _ = try must("rename") { Glibc.rename(from, to) }
    }

    /// unlink(2). A missing file is not an error (the caller wanted it gone).
    public static func unlinkIfPresent(_ path: String) throws(SystemCallError) {
        do {
            _ = try must("unlink") { Glibc.unlink(path) }
        } catch where error.errno.rawValue == ENOENT {
        }
    }

    /// Calls `body` with the bytes of the file at `path`, memory-mapped read-only (no copy),
    /// or read into memory when mapping is impossible (a pipe, an empty file). The buffer is
    /// valid only inside `body`.
    public static func withFileBytes<R>(path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        let status = try fileStatus(fd)
        if status.size > 0, status.isRegular,
           let map = mmap(nil, status.size, PROT_READ, MAP_PRIVATE, fd.rawValue, 0), map != MAP_FAILED {
            defer { munmap(map, status.size) }
            _ = madvise(map, status.size, MADV_SEQUENTIAL)
            return try body(UnsafeBufferPointer(start: map.assumingMemoryBound(to: UInt8.self), count: status.size))
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = try must("read") { chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) } }
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return try result.withUnsafeBufferPointer { try body($0) }
    }
}
