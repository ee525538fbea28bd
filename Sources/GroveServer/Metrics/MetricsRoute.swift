// MetricsRoute: what the metrics listener answers to the bytes of an HTTP request head.

/// A decision as a value (tested without sockets). Only `GET /metrics` (query ignored) is
/// served; the head must end (CRLF CRLF) within `maxHeadBytes`.
enum MetricsRoute: Equatable {
    /// The head is not complete yet: read more.
    case incomplete
    /// 200 with the document (`head`: HEAD asks for the headers only).
    case metrics(head: Bool)
    /// 404: another path.
    case notFound
    /// 405: another method.
    case methodNotAllowed
    /// 400 (or 431 when too long): not an HTTP/1.x request head; the connection is closed.
    case badRequest(String)

    /// Largest request head accepted (scrapers send a few hundred bytes).
    static let maxHeadBytes = 8 * 1024

    static func decide(_ bytes: UnsafeRawBufferPointer) -> MetricsRoute {
        let end = findHeadEnd(bytes)
        guard end != nil else {
            return bytes.count >= maxHeadBytes ? .badRequest("request head larger than \(maxHeadBytes) bytes") : .incomplete
        }
        guard let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")) else { return .badRequest("no request line") }
        let parts = bytes[..<lineEnd].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .badRequest("malformed request line") }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .badRequest("unsupported version") }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == "/metrics" else { return .notFound }
        switch method {
        case "GET": return .metrics(head: false)
        case "HEAD": return .metrics(head: true)
        default: return .methodNotAllowed
        }
    }

    private static func findHeadEnd(_ b: UnsafeRawBufferPointer) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i + 4 }
        return nil
    }

    /// The full HTTP/1.1 response (the connection is closed after it).
    func response(document: () -> String) -> [UInt8] {
        func reply(_ status: String, _ type: String, _ body: String, bodyOmitted: Bool = false) -> [UInt8] {
            let b = Array(body.utf8)
            let head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(b.count)\r\nConnection: close\r\n\r\n"
            return Array(head.utf8) + (bodyOmitted ? [] : b)
        }
        switch self {
        case .incomplete: return []
        case let .metrics(head): return reply("200 OK", MetricsExposition.contentType, document(), bodyOmitted: head)
        case .notFound: return reply("404 Not Found", "text/plain; charset=utf-8", "Grove serves metrics at /metrics\n")
        case .methodNotAllowed: return reply("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET /metrics\n")
        case let .badRequest(why):
            let tooLong = why.hasPrefix("request head larger")
            return reply(tooLong ? "431 Request Header Fields Too Large" : "400 Bad Request", "text/plain; charset=utf-8", why + "\n")
        }
    }
}
