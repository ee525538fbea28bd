// ProcessStats: this process's CPU time, memory and descriptors, as the Prometheus clients name them.

import GroveSystem

/// Read from /proc/self/stat, /proc/stat, /proc/self/fd and RLIMIT_NOFILE at scrape time
/// (Linux; a figure that cannot be read is left out rather than reported as 0).
struct ProcessStats: Equatable {
    var cpuSeconds: Double?
    var residentBytes: UInt64?
    var virtualBytes: UInt64?
    var startTimeSeconds: Double?
    var openFDs: Int?
    var maxFDs: UInt64?

    static func current() -> ProcessStats {
        var s = ProcessStats()
        let ticks = Double(Syscall.clockTicksPerSecond)
        if let stat = try? Syscall.readSmallFile("/proc/self/stat"), let fields = parseStat(stat) {
            s.cpuSeconds = Double(fields.utime + fields.stime) / ticks
            s.virtualBytes = fields.vsize
            s.residentBytes = fields.rssPages * UInt64(Syscall.pageSize)
            if let all = try? Syscall.readSmallFile("/proc/stat", maxBytes: 1 << 20), let boot = bootTime(all) {
                s.startTimeSeconds = Double(boot) + Double(fields.startTicks) / ticks
            }
        }
        // The directory's own descriptor (opendir) is counted too: subtract it.
        s.openFDs = (try? Syscall.directoryEntryCount("/proc/self/fd")).map { max(0, $0 - 1) }
        s.maxFDs = try? Syscall.openFileLimit()
        return s
    }

    struct StatFields: Equatable { var utime, stime, startTicks, vsize, rssPages: UInt64 }

    /// Fields 14, 15, 22, 23, 24 of /proc/PID/stat (man 5 proc), counted after the ")" that
    /// ends the command name (which may itself hold spaces and parentheses).
    static func parseStat(_ bytes: [UInt8]) -> StatFields? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // rest[0] is field 3 (state).
        func field(_ n: Int) -> UInt64? {
            let i = n - 3
            guard i < rest.count else { return nil }
            return UInt64(String(decoding: rest[rest.startIndex + i], as: UTF8.self).trimmingSpace)
        }
        guard let u = field(14), let s = field(15), let st = field(22), let v = field(23), let r = field(24) else { return nil }
        return StatFields(utime: u, stime: s, startTicks: st, vsize: v, rssPages: r)
    }

    /// The `btime` line of /proc/stat: boot time, seconds since the epoch.
    static func bootTime(_ bytes: [UInt8]) -> UInt64? {
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("btime ".utf8)) {
            return UInt64(String(decoding: line.dropFirst(6), as: UTF8.self).trimmingSpace)
        }
        return nil
    }
}

private extension String {
    var trimmingSpace: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\n" { s = s.dropFirst() }
        while s.last == " " || s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
