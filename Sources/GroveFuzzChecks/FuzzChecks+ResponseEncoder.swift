// FuzzChecks+ResponseEncoder: the differential check of the hand-written predict answer against protobuf-c's pack.

import GroveWire

extension FuzzChecks {
    /// Reads an answer's parts from `bytes` (id, version, rows and class count as raw 64-bit
    /// values, a model name up to a length byte, then doubles and class indices), writes it with
    /// `PredictResponseEncoder` and with protobuf-c (`PredictResponseWriter.writeWithProtobufC`),
    /// and throws unless the two frames are the same bytes. Every double bit pattern (NaN
    /// payloads, -0, infinities, subnormals), every varint length, names with NUL bytes (read up
    /// to the first, as protobuf-c's `strlen`) and empty arrays are reachable.
    public static func responseEncoder(_ bytes: UnsafeRawBufferPointer) throws {
        var r = ByteReader(bytes)
        let id = r.u64(), version = r.u64()
        // rows and num_classes are uint32 on the wire; the callers pass small counts.
        let rows = Int(r.u64() & 0xffff_ffff), numClasses = Int(r.u64() & 0xffff_ffff)
        let nameLength = Int(r.byte()) + (r.byte() & 1 == 1 ? 256 : 0)
        var name = [CChar](repeating: 0, count: nameLength + 1)
        for i in 0..<nameLength { name[i] = CChar(bitPattern: r.byte()) }
        let shape = r.byte()
        let probabilityCount = shape & 1 == 1 ? Int(r.byte()) : 0
        let classCount = shape & 2 == 2 ? Int(r.byte()) : 0
        let valueCount = shape & 4 == 4 ? Int(r.byte()) : 0
        let probabilities = (0..<probabilityCount).map { _ in Double(bitPattern: r.u64()) }
        let classIndex = (0..<classCount).map { _ in UInt32(truncatingIfNeeded: r.u64()) }
        let values = (0..<valueCount).map { _ in Double(bitPattern: r.u64()) }
        let hand = ByteBuffer(capacity: 64), reference = ByteBuffer(capacity: 64)
        name.withUnsafeBufferPointer { n in
            probabilities.withUnsafeBufferPointer { p in
                classIndex.withUnsafeBufferPointer { c in
                    values.withUnsafeBufferPointer { v in
                        PredictResponseEncoder.write(id: id, modelName: n.baseAddress!, version: version, rows: rows, numClasses: numClasses,
                                                     probabilities: p, classIndex: c, values: v, into: hand)
                        PredictResponseWriter.writeWithProtobufC(id: id, modelName: n.baseAddress!, version: version, rows: rows,
                                                                 numClasses: numClasses, probabilities: p, classIndex: c, values: v,
                                                                 into: reference)
                    }
                }
            }
        }
        let a = Array(hand.readableView), b = Array(reference.readableView)
        if a != b { throw FuzzCheckFailure("PredictResponseEncoder wrote \(a), protobuf-c \(b)") }
    }

    /// Reads fixed-width values from fuzzer bytes; past the end, zeros.
    struct ByteReader {
        let bytes: UnsafeRawBufferPointer
        var at = 0
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func byte() -> UInt8 {
            guard at < bytes.count else { return 0 }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func u64() -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(byte()) << (8 * UInt64(i)) }
            return v
        }
    }
}
