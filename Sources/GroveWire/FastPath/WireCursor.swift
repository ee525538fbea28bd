// WireCursor: protobuf wire-format primitives over bytes in place, with protobuf-c 1.4's exact acceptance rules.

/// Reads tags and values from a protobuf message's bytes without copying, accepting and refusing
/// exactly what protobuf-c 1.4's `protobuf_c_message_unpack` does while it scans a message
/// (`parse_tag_and_wiretype`, `scan_length_prefixed_data`, the varint and fixed-width checks), so
/// that a reader built on it agrees with protobuf-c on every input (the differential fuzz target
/// FuzzRecordScanner checks this). Every length is checked against the bytes that remain before
/// anything is read. Not Sendable: a value over borrowed memory, used within one call.
@usableFromInline
struct WireCursor {
    /// The wire types protobuf-c knows; 3 and 4 (groups), 6 and 7 are refused, as protobuf-c does.
    @usableFromInline static let varint: UInt8 = 0, fixed64: UInt8 = 1, lengthDelimited: UInt8 = 2, fixed32: UInt8 = 5

    @usableFromInline var at: UnsafePointer<UInt8>
    @usableFromInline var remaining: Int

    @inlinable
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        // A dangling but never-read pointer for an empty buffer (remaining 0 is checked before each read).
        at = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
        remaining = bytes.count
    }

    @inlinable var isAtEnd: Bool { remaining == 0 }

    /// One field: its number as protobuf-c computes it (up to 5 tag bytes, high bits dropped as in
    /// C), its wire type, and where its value starts (`value`, `length` bytes; for a
    /// length-delimited field, after the length prefix).
    @usableFromInline
    struct Field {
        @usableFromInline var number: UInt32
        @usableFromInline var wireType: UInt8
        @usableFromInline var value: UnsafePointer<UInt8>
        @usableFromInline var length: Int

        @inlinable init(number: UInt32, wireType: UInt8, value: UnsafePointer<UInt8>, length: Int) {
            self.number = number
            self.wireType = wireType
            self.value = value
            self.length = length
        }

        /// The value's bytes (for a length-delimited field: without the prefix).
        @inlinable var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: value, count: length) }
    }

    /// The next field, framing checked and the cursor moved past it; nil when the bytes are not a
    /// field protobuf-c would accept here (bad tag, field number 0 in the first byte, a varint of
    /// more than 10 bytes, a length prefix of more than 5 bytes or above Int32.max, a value past
    /// the end, wire type 3, 4, 6 or 7). Call only when `!isAtEnd`.
    ///
    /// Inlined for the common cases (a one-byte tag; a length of one or two bytes, a one-byte
    /// varint or a fixed64): the same checks as `nextInGeneral`, which takes every other case.
    @inlinable @inline(__always)
    mutating func next() -> Field? {
        let b0 = at[0]
        if b0 & 0x80 == 0 && b0 & 0xf8 != 0 {
            let wireType = b0 & 7, number = UInt32(b0 >> 3)
            if wireType == Self.lengthDelimited && remaining >= 2 && (at[1] & 0x80 == 0 || remaining >= 3 && at[2] & 0x80 == 0) {
                let prefix = at[1] & 0x80 == 0 ? 1 : 2
                let length = prefix == 1 ? Int(at[1]) : Int(at[1] & 0x7f) | Int(at[2]) << 7
                guard length <= remaining - 1 - prefix else { return nil }
                let value = at + 1 + prefix
                at = value + length
                remaining -= 1 + prefix + length
                return Field(number: number, wireType: wireType, value: value, length: length)
            }
            if wireType == Self.varint && remaining >= 2 && at[1] & 0x80 == 0 {
                let value = at + 1
                at = value + 1
                remaining -= 2
                return Field(number: number, wireType: wireType, value: value, length: 1)
            }
            if wireType == Self.fixed64 {
                guard remaining >= 9 else { return nil }
                let value = at + 1
                at = value + 8
                remaining -= 9
                return Field(number: number, wireType: wireType, value: value, length: 8)
            }
        }
        return nextInGeneral()
    }

    /// `next()` for every case: protobuf-c's `parse_tag_and_wiretype` and its scan of one value.
    @usableFromInline @inline(never)
    mutating func nextInGeneral() -> Field? {
        let b0 = at[0]
        // protobuf-c: "0 is not a valid tag value" (judged on the first byte's bits only).
        if b0 & 0xf8 == 0 { return nil }
        let wireType = b0 & 7
        var number = UInt32((b0 & 0x7f) >> 3)
        var used = 1
        if b0 & 0x80 != 0 {
            let maxTagBytes = min(remaining, 5)
            var shift: UInt32 = 4
            var done = false
            while used < maxTagBytes {
                let b = at[used]
                used += 1
                if b & 0x80 != 0 {
                    number |= UInt32(b & 0x7f) << shift
                    shift += 7
                } else {
                    number |= UInt32(b) << shift
                    done = true
                    break
                }
            }
            if !done { return nil }
        }
        let start = at + used
        let rest = remaining - used
        var prefix = 0, length: Int
        switch wireType {
        case Self.varint:
            let maxVarintBytes = min(rest, 10)
            var i = 0
            while i < maxVarintBytes && start[i] & 0x80 != 0 { i += 1 }
            if i == maxVarintBytes { return nil }
            length = i + 1
        case Self.fixed64:
            if rest < 8 { return nil }
            length = 8
        case Self.fixed32:
            if rest < 4 { return nil }
            length = 4
        case Self.lengthDelimited:
            let maxPrefixBytes = min(rest, 5)
            var value = 0, shift = 0
            while prefix < maxPrefixBytes {
                let b = start[prefix]
                value |= Int(b & 0x7f) << shift
                shift += 7
                prefix += 1
                if b & 0x80 == 0 { break }
            }
            if prefix == 0 || start[prefix - 1] & 0x80 != 0 { return nil }   // unterminated in 5 bytes
            if value > Int(Int32.max) || value > rest - prefix { return nil }
            length = value
        default:
            return nil
        }
        at = start + prefix + length
        remaining = rest - prefix - length
        return Field(number: number, wireType: wireType, value: start + prefix, length: length)
    }
}

@available(*, unavailable)
extension WireCursor: Sendable {}
