// RecordScanner: the `Field`s of one raw record read straight from its wire bytes, as protobuf-c would decode them.

/// Walks a `Record` message's bytes (grove.proto: `Record { repeated Field fields = 1; }`,
/// `Field { bytes name = 1; oneof value { double number = 2; bytes text = 3; bool missing = 4; } }`)
/// and yields its fields in order, without allocating or copying, with protobuf-c 1.4's semantics:
/// unknown fields are skipped (any valid wire type); a known field with the wrong wire type is an
/// error (except `missing`, whose bool protobuf-c reads from any wire type); the last `name`
/// wins; the last member of `value` wins; a field with no value reads as missing.
///
/// Three outcomes per step: a field (or the end), `malformed` (protobuf-c's unpack would refuse
/// these bytes: the caller may report it, or let the ordinary path do so), and `declined` (the
/// bytes may be valid but hold a length above `maxLength`, which no column name or category
/// reaches, or more than `maxSkippedFields` fields that yield nothing: the caller sends the
/// record down the ordinary path, which decides). A record is
/// accepted only once `next()` has returned `.end`: fields yielded before a `malformed` step must
/// not be used. FuzzRecordScanner compares it with protobuf-c's unpack on random and mutated bytes.
public struct RecordScanner {
    /// The longest name, text or field this scanner reads (bytes); longer ones are declined.
    public static let maxLength = 1 << 16

    /// The most wire fields one record may hold that yield nothing (unknown fields, in the record
    /// or inside one of its fields, and a field's members past its first two: a name or value
    /// given again); more are declined. Clients send none. protobuf-c keeps every one of them in
    /// the request arena (an unknown field costs 40 bytes or more there, for 2 on the wire), so
    /// the ordinary path refuses a frame full of them as too complex (RESOURCE_EXHAUSTED);
    /// without a bound this scanner would skip them all and answer. Declined, such a record gets
    /// the ordinary path's answer.
    public static let maxSkippedFields = 64

    public enum Step {
        case field(RawFieldView)
        /// Every field was read and the bytes are a valid `Record`.
        case end
        case malformed
        case declined
    }

    @usableFromInline static let recordFields: UInt32 = 1
    @usableFromInline static let fieldName: UInt32 = 1, fieldNumber: UInt32 = 2, fieldText: UInt32 = 3, fieldMissing: UInt32 = 4

    @usableFromInline var record: WireCursor
    /// Fields skipped so far (see `maxSkippedFields`).
    @usableFromInline var skipped = 0

    /// A scanner over one record's bytes, valid while they are.
    @inlinable
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        record = WireCursor(bytes)
    }

    /// The next field of the record, `.end` after the last one, or why the record cannot be read.
    @inlinable
    public mutating func next() -> Step {
        while !record.isAtEnd {
            guard let f = record.next() else { return .malformed }
            if f.number != Self.recordFields {   // unknown: skipped, as protobuf-c keeps it aside
                skipped += 1
                if skipped > Self.maxSkippedFields { return .declined }
                continue
            }
            guard f.wireType == WireCursor.lengthDelimited else { return .malformed }
            if f.length > Self.maxLength { return .declined }
            return field(f.bytes)
        }
        return .end
    }

    /// The next field when it is written exactly as clients write a field whose bytes before its
    /// value are `head` (`RecordLayout.head`: tag and one-byte length of the name, the name, and
    /// the value's tag, 0x11 for a number or 0x1a for a text), the field's own length also one
    /// byte: its value, the scanner moved past it. nil (the scanner unmoved) for anything else,
    /// which `next()` then reads. `next()` would yield the same field from the same bytes.
    @inlinable @inline(__always)
    public mutating func next(head: UnsafePointer<UInt8>, count h: Int) -> RawFieldView.Kind? {
        let at = record.at, remaining = record.remaining
        guard remaining >= 2, at[0] == 0x0a else { return nil }
        let length = Int(at[1])
        guard length < 0x80, length <= remaining - 2, length > h, ByteComparison.equal(at + 2, head, count: h) else { return nil }
        let value = at + 2 + h
        let kind: RawFieldView.Kind
        if head[h - 1] == 0x11 {
            guard length == h + 8 else { return nil }
            kind = .number(Double(bitPattern: UInt64(littleEndian: UnsafeRawPointer(value).loadUnaligned(as: UInt64.self))))
        } else {
            let t = Int(value[0])
            guard t < 0x80, length == h + 1 + t else { return nil }
            kind = .text(t > 0 ? UnsafeBufferPointer(start: value + 1, count: t) : UnsafeBufferPointer(start: nil, count: 0))
        }
        record.at = at + 2 + length
        record.remaining = remaining - 2 - length
        return kind
    }

    /// Decodes one `Field` message.
    @inlinable
    mutating func field(_ bytes: UnsafeBufferPointer<UInt8>) -> Step {
        // The layout clients write: the name (one-byte length), then a number or a text (one-byte
        // length), and nothing else: read at once; the same outcome as the loop below.
        if let p = bytes.baseAddress, bytes.count >= 3, p[0] == 0x0a, p[1] < 0x80 {
            let v = 2 + Int(p[1])
            let name = p[1] > 0 ? UnsafeBufferPointer(start: p + 2, count: Int(p[1])) : UnsafeBufferPointer(start: nil, count: 0)
            if v + 9 == bytes.count && p[v] == 0x11 {
                let bits = UnsafeRawPointer(p + v + 1).loadUnaligned(as: UInt64.self)
                return .field(RawFieldView(name: name, kind: .number(Double(bitPattern: UInt64(littleEndian: bits)))))
            }
            if v + 2 <= bytes.count && p[v] == 0x1a && p[v + 1] < 0x80 && v + 2 + Int(p[v + 1]) == bytes.count {
                let text = p[v + 1] > 0 ? UnsafeBufferPointer(start: p + v + 2, count: Int(p[v + 1])) : UnsafeBufferPointer(start: nil, count: 0)
                return .field(RawFieldView(name: name, kind: .text(text)))
            }
        }
        var cursor = WireCursor(bytes)
        var name = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var kind = RawFieldView.Kind.missing
        var members = 0
        while !cursor.isAtEnd {
            guard let f = cursor.next() else { return .malformed }
            members += 1
            if members > 2 {
                skipped += 1
                if skipped > Self.maxSkippedFields { return .declined }
            }
            switch f.number {
            case Self.fieldName:
                guard f.wireType == WireCursor.lengthDelimited else { return .malformed }
                if f.length > Self.maxLength { return .declined }
                name = f.length > 0 ? f.bytes : UnsafeBufferPointer(start: nil, count: 0)
            case Self.fieldNumber:
                guard f.wireType == WireCursor.fixed64 else { return .malformed }
                kind = .number(Double(bitPattern: UInt64(littleEndian: UnsafeRawPointer(f.value).loadUnaligned(as: UInt64.self))))
            case Self.fieldText:
                guard f.wireType == WireCursor.lengthDelimited else { return .malformed }
                if f.length > Self.maxLength { return .declined }
                kind = .text(f.length > 0 ? f.bytes : UnsafeBufferPointer(start: nil, count: 0))
            case Self.fieldMissing:
                kind = .missing   // protobuf-c reads a bool from any wire type; set or not, the value is missing
            default:
                continue          // unknown: skipped
            }
        }
        return .field(RawFieldView(name: name, kind: kind))
    }
}

@available(*, unavailable)
extension RecordScanner: Sendable {}
