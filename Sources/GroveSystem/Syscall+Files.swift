// Syscall+Files: the file calls (open, read, write-all, fsync, rename, unlink, read-whole-file) of the
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

    /// The size in bytes of the open file, whether it is a regular file, and its modification
    /// time (nanoseconds since the epoch, as coarse as the file system's clock).
    public static func fileStatus(_ fd: FileDescriptor) throws(SystemCallError) -> (size: Int, isRegular: Bool, modifiedNanos: Int64) {
        var st = stat()
        _ = try must("fstat") { fstat(fd.rawValue, &st) }
        return (Int(st.st_size), (st.st_mode & S_IFMT) == S_IFREG,
                Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec))
    }

    /// Writes every byte of `bytes[range]` (default: all) to a blocking descriptor; a short
    /// write continues where it stopped. With `position`, the bytes go to the file from that
    /// offset on (pwrite(2): the descriptor's own offset does not move), else at its offset.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8], _ range: Range<Int>? = nil,
                                at position: Int? = nil) throws(SystemCallError) {
        let start = range?.lowerBound ?? 0
        var offset = start
        let end = range?.upperBound ?? bytes.count
        while offset < end {
            let n = try must(position == nil ? "write" : "pwrite") {
                bytes.withUnsafeBytes { b in
                    if let position {
                        return Glibc.pwrite(fd.rawValue, b.baseAddress! + offset, end - offset, off_t(position + offset - start))
                    }
                    return Glibc.write(fd.rawValue, b.baseAddress! + offset, end - offset)
                }
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

    /// Calls `body` with the bytes of the file at `path`, read into memory this process owns.
    /// The buffer is valid only inside `body`.
    ///
    /// Not mapped: another process truncating or rewriting the file while `body` runs cannot
    /// change the bytes `body` sees (a mapping would show the new bytes, or end the process
    /// with SIGBUS where the file was cut), so whatever `body` computes from them (a parse and
    /// its hash) is about one and the same sequence of bytes. A regular file is read from start
    /// to end in `chunkBytes` reads; when it ends before or after the size it had when opened,
    /// or its size or modification time differ once read (a writer was at work during the
    /// read), it throws `FileChangedError` rather than hand `body` bytes that may mix two
    /// versions. (A rewrite of the same size within one tick of the file system's clock is
    /// not seen; the bytes are still one read's.) Other files (a pipe), and regular files that
    /// report size 0 (procfs, some FUSE file systems), are read to their end.
    /// Memory: the file's size, which a mapping read to its end occupies too; when the system
    /// cannot grant it, a `SystemCallError` (ENOMEM) names the size instead of a crash. `afterChunk`
    /// runs after each read of a regular file, given the bytes read so far: tests change the
    /// file there.
    public static func withFileBytes<R>(path: String, chunkBytes: Int = defaultChunkBytes, afterChunk: (Int) -> Void = { _ in },
                                        _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        precondition(chunkBytes > 0, "chunkBytes must be positive")
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        let opened = try fileStatus(fd)
        guard opened.isRegular, opened.size > 0 else {
            var result: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let got = try must("read") { chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) } }
                if got == 0 { break }
                result.append(contentsOf: chunk[0..<got])
            }
            return try result.withUnsafeBufferPointer { try body($0) }
        }
        let size = opened.size
        // One byte more than the size: a read that fills it shows the file grew.
        guard let raw = aligned_alloc(64, (size + 1 + 63) & ~63) else {
            throw SystemCallError(call: "allocate \(size + 1) bytes to read \(path)", errno: Errno(rawValue: ENOMEM))
        }
        defer { free(raw) }
        let storage = UnsafeMutableRawBufferPointer(start: raw, count: size + 1)
        var got = 0
        while got <= size {
            let want = min(chunkBytes, size + 1 - got)
            let n = try must("read") { Glibc.read(fd.rawValue, storage.baseAddress! + got, want) }
            if n == 0 { break }
            got += n
            afterChunk(got)
        }
        let closed = try fileStatus(fd)
        if got != size || closed.size != size || closed.modifiedNanos != opened.modifiedNanos {
            throw FileChangedError(path: path, sizeWhenOpened: size, bytesRead: got, sizeWhenRead: closed.size)
        }
        return try body(UnsafeBufferPointer(start: storage.baseAddress!.assumingMemoryBound(to: UInt8.self), count: size))
    }

    /// `withFileBytes`' read size: large enough that the calls cost nothing beside the copy.
    public static let defaultChunkBytes = 8 << 20
}
