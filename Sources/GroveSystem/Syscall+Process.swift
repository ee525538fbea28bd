// Syscall+Process: the calls that read this process's own figures (/proc, limits) for metrics.

import CGroveSys
import Glibc

extension Syscall {
    /// Opens a file for reading (close-on-exec).
    public static func openReadOnly(_ path: String) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try must("open") { Glibc.open(path, O_RDONLY | O_CLOEXEC) })
    }

    /// A small file's bytes (procfs files report size 0, so read until EOF), at most `maxBytes`.
    public static func readSmallFile(_ path: String, maxBytes: Int = 64 * 1024) throws(SystemCallError) -> [UInt8] {
        let fd = try openReadOnly(path)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while out.count < maxBytes {
            let n = try must("read") { chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) } }
            if n == 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    /// The number of entries in a directory, without "." and ".." (e.g. /proc/self/fd).
    public static func directoryEntryCount(_ path: String) throws(SystemCallError) -> Int {
        guard let dir = opendir(path) else { throw SystemCallError(call: "opendir", errno: Errno.current) }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [46] && name != [46, 46] { n += 1 }
        }
        return n
    }

    /// The soft limit on open descriptors (RLIMIT_NOFILE).
    public static func openFileLimit() throws(SystemCallError) -> UInt64 {
        var limit = rlimit()
        _ = try must("getrlimit") { getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
        return UInt64(limit.rlim_cur)
    }

    /// sysconf(_SC_CLK_TCK) and the page size.
    public static var clockTicksPerSecond: Int { sysconf(CInt(_SC_CLK_TCK)) }
    public static var pageSize: Int { sysconf(CInt(_SC_PAGESIZE)) }
}
