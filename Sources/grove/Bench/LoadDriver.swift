// LoadDriver: closed-loop latency and pipelined throughput, on the client library's raw-frame path.

import CGroveSys
import Foundation
import Glibc
import GroveClient
import GroveSystem
import GroveWire
import Histogram

/// Latency and throughput figures of one run.
struct RunResult {
    var requests = 0
    var seconds = 0.0
    /// Round-trip latency in nanoseconds.
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var serverCPUSeconds = 0.0

    var perSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    func micros(_ p: Double) -> Double { Double(latency.valueAtPercentile(p)) / 1000 }
    var maxMicros: Double { Double(latency.max) / 1000 }
}

enum LoadDriver {
    /// One connection, one request in flight: send a frame, wait for the answer, repeat.
    static func closedLoop(port: UInt16, frame: [UInt8], warmup: Int, iterations: Int, server: ChildServer?) throws -> RunResult {
        let conn = try GroveConnection(endpoint: Endpoint(host: "127.0.0.1", port: port))
        var result = RunResult()
        let deadline = Deadline.after(seconds: 120)
        try frame.withUnsafeBytes { raw in
            for _ in 0..<warmup { try roundTrip(conn, raw, deadline) }
            let cpu0 = server?.cpuSeconds ?? 0
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations {
                let s = DispatchTime.now().uptimeNanoseconds
                try roundTrip(conn, raw, deadline)
                _ = result.latency.record(DispatchTime.now().uptimeNanoseconds - s)
            }
            result.seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            result.serverCPUSeconds = (server?.cpuSeconds ?? 0) - cpu0
        }
        result.requests = iterations
        return result
    }

    private static func roundTrip(_ conn: GroveConnection, _ frame: UnsafeRawBufferPointer, _ deadline: Deadline) throws {
        conn.enqueue(frame: frame)
        try conn.flush(deadline: deadline)
        let body = try conn.receiveFrame(deadline: deadline)
        conn.consumeFrame(body)
    }

    /// The full client path: encode a Request, decode the Response (what middleware pays).
    static func clientCalls(port: UInt16, request: Request, warmup: Int, iterations: Int) throws -> RunResult {
        let conn = try GroveConnection(endpoint: Endpoint(host: "127.0.0.1", port: port))
        var result = RunResult()
        var r = request
        for i in 0..<warmup {
            r.id = UInt64(i + 1)
            _ = try conn.call(r)
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        for i in 0..<iterations {
            r.id = UInt64(warmup + i + 1)
            let s = DispatchTime.now().uptimeNanoseconds
            let answer = try conn.call(r)
            _ = result.latency.record(DispatchTime.now().uptimeNanoseconds - s)
            if answer.status.code != .ok { throw BenchError("server answered \(answer.status)") }
        }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        result.requests = iterations
        return result
    }

    /// `connections` connections, each keeping `depth` requests in flight, for
    /// `seconds` after a warm-up second; one client thread multiplexes them with poll(2).
    static func pipelined(port: UInt16, frame: [UInt8], connections: Int, depth: Int, seconds: Double,
                          server: ChildServer?) throws -> RunResult {
        let conns = try (0..<connections).map { _ in try GroveConnection(endpoint: Endpoint(host: "127.0.0.1", port: port)) }
        var sent = [[UInt64]](repeating: [], count: connections)   // send times, oldest first
        var head = [Int](repeating: 0, count: connections)
        var result = RunResult()
        var fds = conns.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
        let start = DispatchTime.now().uptimeNanoseconds
        let warmEnd = start + 1_000_000_000
        let end = warmEnd + UInt64(seconds * 1e9)
        var measuring = false
        var cpu0 = 0.0
        var t0: UInt64 = 0
        try frame.withUnsafeBytes { raw in
            for (i, c) in conns.enumerated() {
                let now = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<depth { c.enqueue(frame: raw); sent[i].append(now) }
                _ = try c.writeAvailable()
            }
            while true {
                let now = DispatchTime.now().uptimeNanoseconds
                if now >= end { break }
                if !measuring && now >= warmEnd {
                    measuring = true
                    cpu0 = server?.cpuSeconds ?? 0
                    t0 = now
                }
                for i in fds.indices { fds[i].events = Int16(POLLIN) | (conns[i].hasPendingOutput ? Int16(POLLOUT) : 0) }
                let ready = try Syscall.poll(&fds, timeoutMillis: 100)
                if ready <= 0 { continue }
                for i in fds.indices where fds[i].revents != 0 {
                    let c = conns[i]
                    if fds[i].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                        _ = try c.readAvailable()
                        let recvTime = DispatchTime.now().uptimeNanoseconds
                        while let body = try c.bufferedFrame() {
                            c.consumeFrame(body)
                            let sentAt = sent[i][head[i]]
                            head[i] += 1
                            if measuring {
                                result.requests += 1
                                _ = result.latency.record(max(1, recvTime - sentAt))
                            }
                            c.enqueue(frame: raw)
                            sent[i].append(recvTime)
                        }
                        if head[i] > 4096 { sent[i].removeFirst(head[i]); head[i] = 0 }
                    }
                    _ = try c.writeAvailable()
                }
            }
        }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        result.serverCPUSeconds = (server?.cpuSeconds ?? 0) - cpu0
        return result
    }

    /// Open loop at a fixed `rate` (requests/s) spread over `connections`, for `seconds`.
    /// Latency counts from each request's scheduled send time, so a stall is charged to
    /// every request it delays (no coordinated omission). Samples the server's RSS each second.
    static func sustained(port: UInt16, frame: [UInt8], connections: Int, rate: Double, seconds: Double,
                          server: ChildServer?) throws -> (RunResult, rss: [Int]) {
        let conns = try (0..<connections).map { _ in try GroveConnection(endpoint: Endpoint(host: "127.0.0.1", port: port)) }
        var scheduled = [[UInt64]](repeating: [], count: connections)
        var head = [Int](repeating: 0, count: connections)
        var result = RunResult()
        var rss: [Int] = []
        var fds = conns.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
        let interval = 1e9 / rate
        let t0 = DispatchTime.now().uptimeNanoseconds
        let end = t0 + UInt64(seconds * 1e9)
        var sent: UInt64 = 0
        var nextSample = t0
        let cpu0 = server?.cpuSeconds ?? 0
        try frame.withUnsafeBytes { raw in
            while true {
                let now = DispatchTime.now().uptimeNanoseconds
                if now >= end { break }
                if now >= nextSample, let server {
                    rss.append(server.residentKiB)
                    nextSample += 1_000_000_000
                }
                // Send everything whose time has come.
                while Double(sent) * interval <= Double(now - t0) {
                    let due = t0 + UInt64(Double(sent) * interval)
                    let i = Int(sent % UInt64(connections))
                    conns[i].enqueue(frame: raw)
                    scheduled[i].append(due)
                    sent += 1
                }
                for c in conns where c.hasPendingOutput { _ = try c.writeAvailable() }
                // Sleep (not spin) until the next tick: sends go out in ticks of `tick`
                // nanoseconds, so the generator leaves the cores to the server it measures.
                let tick: Int64 = 50_000
                let nextDue = Int64(t0) + Int64(Double(sent) * interval)
                let wait = max(tick, nextDue - Int64(DispatchTime.now().uptimeNanoseconds))
                for i in fds.indices { fds[i].events = Int16(POLLIN) | (conns[i].hasPendingOutput ? Int16(POLLOUT) : 0) }
                if grove_ppoll_ns(&fds, nfds_t(fds.count), min(wait, 10_000_000)) <= 0 { continue }
                for i in fds.indices where fds[i].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                    let c = conns[i]
                    _ = try c.readAvailable()
                    let t = DispatchTime.now().uptimeNanoseconds
                    while let body = try c.bufferedFrame() {
                        c.consumeFrame(body)
                        let due = scheduled[i][head[i]]
                        head[i] += 1
                        result.requests += 1
                        _ = result.latency.record(max(1, t - due))
                    }
                    if head[i] > 4096 { scheduled[i].removeFirst(head[i]); head[i] = 0 }
                }
            }
        }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        result.serverCPUSeconds = (server?.cpuSeconds ?? 0) - cpu0
        return (result, rss)
    }
}
