// RawClient: a blocking TCP client for tests that speaks bytes, not messages.

import Foundation
import Glibc
import GroveWire

/// Sends raw bytes and reads raw frames, so tests can send anything at all
/// (split frames, garbage, oversize prefixes) and see exactly what comes back.
final class RawClient {
    let fd: Int32
    private var pending: [UInt8] = []

    enum ClientError: Error { case connect(Int32), closed, timeout, io(Int32) }

    init(port: UInt16, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if r != 0 { let e = errno; Glibc.close(fd); throw ClientError.connect(e) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw ClientError.io(errno) }
            off += n
        }
    }

    func send(_ request: Request) throws { try send(request.framed()) }

    /// Reads one frame's body.
    func readFrame() throws -> [UInt8] {
        while true {
            if pending.count >= 4 {
                let n = Int(pending[0]) << 24 | Int(pending[1]) << 16 | Int(pending[2]) << 8 | Int(pending[3])
                if pending.count >= 4 + n {
                    let body = Array(pending[4..<(4 + n)])
                    pending.removeFirst(4 + n)
                    return body
                }
            }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { throw ClientError.closed }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { throw ClientError.timeout }
                throw ClientError.io(errno)
            }
            pending += buf[..<n]
        }
    }

    func readResponse() throws -> Response { try Response(decoding: readFrame()) }

    func call(_ request: Request) throws -> Response {
        try send(request)
        return try readResponse()
    }

    /// True when the server has closed the connection (reads EOF) within the timeout.
    func isClosedByPeer() -> Bool {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }
}
