// WireText: client text from protobuf `bytes` fields, taken exactly as sent or refused.

import CGroveProto
import CProtobufC

/// Client text travels in `bytes` fields (the wire format of `string`), so its
/// length is the one sent: protobuf-c's C strings would end at the first NUL and
/// make "gc\0x" read as "gc". A value holding a NUL or invalid UTF-8 is refused
/// (`MessageDecodeError.nulInText` / `.invalidUTF8`), never cut or repaired.
@usableFromInline
enum WireText {
    /// The bytes of a `bytes` field, valid while the message is (no copy).
    @inlinable
    static func bytes(_ b: ProtobufCBinaryData) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: b.len > 0 ? b.data : nil, count: b.data == nil ? 0 : b.len)
    }

    /// Throws unless `bytes` is UTF-8 without a NUL. Allocates nothing (the hot path calls it).
    static func check(_ bytes: UnsafeBufferPointer<UInt8>, field: String) throws(MessageDecodeError) {
        var ascii = true
        for b in bytes {
            if b == 0 { throw .nulInText(field: field) }
            if b >= 0x80 { ascii = false }
        }
        if ascii { return }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return
            case .error: throw .invalidUTF8(field: field)
            }
        }
    }

    /// The API key's bytes, checked (no NUL, UTF-8) so that a key is never compared cut short.
    static func apiKey(_ b: ProtobufCBinaryData) throws(MessageDecodeError) -> UnsafeBufferPointer<UInt8> {
        let key = bytes(b)
        try checkAPIKey(key)
        return key
    }

    /// `check` for `Request.api_key`, wherever the key was read from.
    static func checkAPIKey(_ key: UnsafeBufferPointer<UInt8>) throws(MessageDecodeError) {
        try check(key, field: "Request.api_key")
    }

    /// The text of a `bytes` field, checked.
    static func string(_ b: ProtobufCBinaryData, field: String) throws(MessageDecodeError) -> String {
        let raw = bytes(b)
        try check(raw, field: field)
        return String(decoding: raw, as: UTF8.self)
    }
}
