// RequestShape: whether a request's top level holds only what the lazy twin (proto/grove/v1/lazy.proto) reads.

/// The lazy twin `LazyRequest` reads a Request exactly as the real message does only when the
/// request's top level holds nothing but `id`, `api_key`, `timeout_micros` and exactly one
/// `predict`: protobuf-c replaces (after decoding it, records and all) a oneof member given
/// earlier, so a second `predict`, or another call before it, would hide bytes the real decode
/// checks and the twin does not. `isSinglePredict` walks the top-level tags only (a few per
/// request) with protobuf-c's framing rules; anything else, unknown fields included, is the
/// ordinary path's. LazyTwinTests pins these numbers to grove.proto's.
public enum RequestShape {
    @usableFromInline static let id: UInt32 = 1, apiKey: UInt32 = 2, timeoutMicros: UInt32 = 3, predict: UInt32 = 13
    @usableFromInline static let explain: UInt32 = 15

    /// True when `body` is framed as protobuf-c would accept at its top level and holds only
    /// fields 1, 2, 3 and exactly one field 13.
    @inlinable
    public static func isSinglePredict(_ body: UnsafeRawBufferPointer) -> Bool {
        isSingle(body, call: predict)
    }

    /// The same for one explain call (field 15): the Explain hot path, which decodes the real
    /// message (`RequestView`), needs no lazy twin, only a request holding one call.
    @inlinable
    public static func isSingleExplain(_ body: UnsafeRawBufferPointer) -> Bool {
        isSingle(body, call: explain)
    }

    @inlinable
    static func isSingle(_ body: UnsafeRawBufferPointer, call: UInt32) -> Bool {
        var cursor = WireCursor(UnsafeBufferPointer(start: body.baseAddress?.assumingMemoryBound(to: UInt8.self), count: body.count))
        var calls = 0
        while !cursor.isAtEnd {
            guard let f = cursor.next() else { return false }
            switch f.number {
            case call: calls += 1
            case id, apiKey, timeoutMicros: continue
            default: return false
            }
        }
        return calls == 1
    }
}
