// SocketAddress: an IPv4 or IPv6 address and port, parsed and printed.

import Glibc

public struct SocketAddress: Equatable, Sendable, CustomStringConvertible {
    public enum Family: Sendable { case ipv4, ipv6 }

    private var storage: sockaddr_storage

    package init(storage: sockaddr_storage) { self.storage = storage }

    /// Parses a numeric host ("127.0.0.1", "::1", "0.0.0.0") and a port.
    /// "localhost" is accepted as 127.0.0.1. Names are not resolved.
    public init?(host: String, port: UInt16) {
        var s = sockaddr_storage()
        let h = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, h, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &s) { dst in withUnsafeBytes(of: v4) { dst.copyMemory(from: $0) } }
        } else if inet_pton(AF_INET6, h.trimmingBrackets, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &s) { dst in withUnsafeBytes(of: v6) { dst.copyMemory(from: $0) } }
        } else {
            return nil
        }
        storage = s
    }

    public var family: Family { storage.ss_family == sa_family_t(AF_INET6) ? .ipv6 : .ipv4 }

    package var domain: CInt { family == .ipv6 ? AF_INET6 : AF_INET }

    public var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            family == .ipv4 ? UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
                            : UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
        }
    }

    /// The numeric host.
    public var host: String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        withUnsafeBytes(of: storage) { raw in
            if family == .ipv4 {
                var a = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count))
            } else {
                var a = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
            }
        }
        return String(cString: buf)
    }

    /// True for 127.0.0.0/8 and ::1.
    public var isLoopback: Bool {
        withUnsafeBytes(of: storage) { raw in
            if family == .ipv4 {
                return UInt32(bigEndian: raw.load(as: sockaddr_in.self).sin_addr.s_addr) >> 24 == 127
            }
            let a = raw.load(as: sockaddr_in6.self).sin6_addr
            return withUnsafeBytes(of: a) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
        }
    }

    public var description: String { family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    package func withSockAddr<R, E: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R) throws(E) -> R {
        let len = socklen_t(family == .ipv4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
        var s = storage
        let r: Result<R, E> = withUnsafePointer(to: &s) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                Result { () throws(E) -> R in try body(sa, len) }
            }
        }
        return try r.get()
    }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        a.family == b.family && a.host == b.host && a.port == b.port
    }
}

private extension String {
    var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}
