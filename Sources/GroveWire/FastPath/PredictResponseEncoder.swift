// PredictResponseEncoder: the common predict answer written byte for byte as protobuf-c 1.4 packs it, without protobuf-c.

import Glibc

/// Writes the frame of `Response { id, status {}, predict { model, version, rows, num_classes,
/// probabilities, class_index, values, reasons, explained_class } }` (no notes: the answer of
/// every hot-path prediction, with or without inline reasons) straight into a `ByteBuffer`, with the
/// bytes `protobuf_c_message_pack` produces for the same message: fields in field-number order; a
/// proto3 scalar equal to 0 and an empty string left out (protobuf-c's `field_is_zeroish`, a
/// string read up to its first NUL as `strlen` does); repeated fields packed (one tag, a minimal
/// varint length, the values: doubles as 8 little-endian bytes, uint32 as varints), left out when
/// empty; each row's reason list a submessage even when empty, each reason a submessage of its
/// texts and contribution (a double left out when it equals 0, -0 included); the status (code
/// OK, empty message) as an empty submessage (`12 00`); every length a minimal varint.
/// protobuf-c measures the message, then packs it, measuring each submessage again; this
/// measures once and writes once (only a reason list's and a reason's sizes, a few additions
/// each, are taken again where they are written), about a tenth of the instructions (with 4
/// inline reasons, 4,900 fewer per request). `PredictResponseWriter.writeWithProtobufC` is the reference: tests
/// compare the two over many answers (with and without reasons) and the fuzz target
/// FuzzResponseEncoder over arbitrary ones without reasons.
public enum PredictResponseEncoder {
    /// Appends the frame to `output`. `modelName` must be NUL-terminated; the arrays are read in
    /// place (empty ones are left out, as protobuf-c leaves out a repeated field of count 0);
    /// `reasons`, when given, supplies the reason lists (one per `beginRow()` call) and
    /// the explained class.
    public static func write(id: UInt64, modelName: UnsafePointer<CChar>, version: UInt64, rows: Int, numClasses: Int,
                             probabilities: UnsafeBufferPointer<Double>, classIndex: UnsafeBufferPointer<UInt32>,
                             values: UnsafeBufferPointer<Double>, reasons: ReasonListBuffer? = nil, into output: ByteBuffer) {
        #if _endian(little)
        let nameLength = strlen(modelName)
        // The rows and class counts are uint32 fields: protobuf-c packs the low 32 bits.
        let rows32 = UInt32(truncatingIfNeeded: rows), classes32 = UInt32(truncatingIfNeeded: numClasses)
        var classIndexBytes = 0
        for c in classIndex { classIndexBytes += varintSize(UInt64(c)) }
        // PredictResponse's body.
        var predict = 0
        if nameLength > 0 { predict += 1 + varintSize(UInt64(nameLength)) + nameLength }
        if version != 0 { predict += 1 + varintSize(version) }
        if rows32 != 0 { predict += 1 + varintSize(UInt64(rows32)) }
        if classes32 != 0 { predict += 1 + varintSize(UInt64(classes32)) }
        predict += packedSize(probabilities.count * 8)
        predict += packedSize(classIndexBytes)
        predict += packedSize(values.count * 8)
        if let reasons {
            reasons.endRows()
            for r in 0..<reasons.rowCount { predict += lengthDelimitedSize(reasonListSize(reasons, row: r)) }
            predict += stringSize(reasons.explainedClassLength)
        }
        // Response's body: id, status {}, predict.
        var body = 2 + 1 + varintSize(UInt64(predict)) + predict
        if id != 0 { body += 1 + varintSize(id) }
        _ = output.writeWithUnsafeMutableBytes(minimum: FrameLimits.headerBytes + body) { raw in
            FrameEncoder.writeHeader(length: body, into: raw)
            var at = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + FrameLimits.headerBytes
            if id != 0 { at = put(0x08, at); at = putVarint(id, at) }
            at = put(0x12, at); at = put(0x00, at)
            at = put(0x6a, at); at = putVarint(UInt64(predict), at)
            if nameLength > 0 {
                at = put(0x0a, at); at = putVarint(UInt64(nameLength), at)
                UnsafeMutableRawPointer(at).copyMemory(from: modelName, byteCount: nameLength)
                at += nameLength
            }
            if version != 0 { at = put(0x10, at); at = putVarint(version, at) }
            if rows32 != 0 { at = put(0x18, at); at = putVarint(UInt64(rows32), at) }
            if classes32 != 0 { at = put(0x20, at); at = putVarint(UInt64(classes32), at) }
            at = putDoubles(0x2a, probabilities, at)
            if classIndexBytes > 0 {
                at = put(0x32, at); at = putVarint(UInt64(classIndexBytes), at)
                for c in classIndex { at = putVarint(UInt64(c), at) }
            }
            at = putDoubles(0x3a, values, at)
            if let reasons { at = putReasons(reasons, at) }
            let written = at - (raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(written == FrameLimits.headerBytes + body, "PredictResponseEncoder: measured \(body) bytes, wrote \(written - 4)")
            return written
        }
        #else
        PredictResponseWriter.writeWithProtobufC(id: id, modelName: modelName, version: version, rows: rows, numClasses: numClasses,
                                                 probabilities: probabilities, classIndex: classIndex, values: values, reasons: reasons,
                                                 into: output)
        #endif
    }

    // MARK: - Reasons (PredictResponse.reasons = 11, explained_class = 12)

    /// Bytes of a field holding `payload` bytes (a submessage, always written): tag, length, payload.
    @inline(__always)
    static func lengthDelimitedSize(_ payload: Int) -> Int { 1 + varintSize(UInt64(payload)) + payload }

    /// Bytes of a proto3 string field of `length` bytes (0: left out).
    @inline(__always)
    static func stringSize(_ length: Int) -> Int { length == 0 ? 0 : lengthDelimitedSize(length) }

    /// Bytes of reason `i`'s body: column = 1, contribution = 2, value = 3, code = 4, text = 5.
    static func reasonSize(_ reasons: ReasonListBuffer, _ i: Int) -> Int {
        let l = reasons.lengths.baseAddress! + 4 * i
        return stringSize(l[0]) + (reasons.contributions[i] == 0 ? 0 : 9) + stringSize(l[1]) + stringSize(l[2])
            + stringSize(l[3])
    }

    /// Bytes of row `r`'s ReasonList body (its reasons, field 1).
    static func reasonListSize(_ reasons: ReasonListBuffer, row r: Int) -> Int {
        var size = 0
        for i in reasons.firstReason[r]..<reasons.firstReason[r + 1] { size += lengthDelimitedSize(reasonSize(reasons, i)) }
        return size
    }

    /// A string field (tag byte `tag`) of the text at `offset`, `length` bytes (0: left out).
    @inline(__always)
    static func putText(_ tag: UInt8, _ reasons: ReasonListBuffer, offset: Int, length: Int,
                        _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard length > 0 else { return at }
        var p = put(tag, at)
        p = putVarint(UInt64(length), p)
        p.update(from: reasons.text.baseAddress! + offset, count: length)
        return p + length
    }

    /// Every row's reason list, then the explained class.
    static func putReasons(_ reasons: ReasonListBuffer, _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var p = at
        for r in 0..<reasons.rowCount {
            p = put(0x5a, p)
            p = putVarint(UInt64(reasonListSize(reasons, row: r)), p)
            for i in reasons.firstReason[r]..<reasons.firstReason[r + 1] {
                p = put(0x0a, p)
                p = putVarint(UInt64(reasonSize(reasons, i)), p)
                let o = reasons.offsets.baseAddress! + 4 * i, l = reasons.lengths.baseAddress! + 4 * i
                p = putText(0x0a, reasons, offset: o[0], length: l[0], p)
                let contribution = reasons.contributions[i]
                if contribution != 0 {
                    p = put(0x11, p)
                    UnsafeMutableRawPointer(p).storeBytes(of: contribution.bitPattern, as: UInt64.self)
                    p += 8
                }
                p = putText(0x1a, reasons, offset: o[1], length: l[1], p)
                p = putText(0x22, reasons, offset: o[2], length: l[2], p)
                p = putText(0x2a, reasons, offset: o[3], length: l[3], p)
            }
        }
        return putText(0x62, reasons, offset: max(reasons.explainedClass, 0), length: reasons.explainedClassLength, p)
    }

    /// Bytes of a packed repeated field whose values take `payload` bytes (0: left out).
    @inline(__always)
    static func packedSize(_ payload: Int) -> Int {
        payload == 0 ? 0 : 1 + varintSize(UInt64(payload)) + payload
    }

    /// Bytes of `v` as a base-128 varint (1 to 10).
    @inline(__always)
    package static func varintSize(_ v: UInt64) -> Int {
        // 1 + floor(bits / 7) for the significant bits; 0 takes one byte.
        let bits = 64 - (v | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    @inline(__always)
    static func put(_ byte: UInt8, _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        at.pointee = byte
        return at + 1
    }

    @inline(__always)
    package static func putVarint(_ value: UInt64, _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var v = value, p = at
        while v >= 0x80 {
            p.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            p += 1
            v >>= 7
        }
        p.pointee = UInt8(truncatingIfNeeded: v)
        return p + 1
    }

    /// A packed repeated double field (tag byte `tag`), left out when empty. Little-endian only.
    @inline(__always)
    static func putDoubles(_ tag: UInt8, _ values: UnsafeBufferPointer<Double>, _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard let base = values.baseAddress, values.count > 0 else { return at }
        var p = put(tag, at)
        p = putVarint(UInt64(values.count * 8), p)
        UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: values.count * 8)
        return p + values.count * 8
    }
}
