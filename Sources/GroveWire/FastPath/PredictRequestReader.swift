// DenseRequestReader: a predict request of dense rows read in place from the frame, without protobuf-c.

/// Reads `Request { id, api_key, timeout_micros, predict { model { name, version, label },
/// dense, labels_only, strict, reasons } }` straight from the frame's bytes with protobuf-c 1.4's
/// framing rules (`WireCursor`), for the dense hot path: no unpack into an arena, no copies but
/// the values'. It answers only what it is sure of, and declines everything else (nil): the
/// caller then decodes the request with protobuf-c (`PredictView`) exactly as before, so a
/// declined request is answered as if this reader did not exist.
///
/// It reads a request only when protobuf-c would decode it to the same values and the hot path
/// would take it: the top level holds fields 1, 2, 3 and exactly one field 13 (`RequestShape`),
/// each with the wire type its field has; in the predict call, at most one selector (protobuf-c
/// merges repeated submessages) and exactly one packed `dense` whose length is a multiple of 8
/// and at most `maxDenseBytes`, no `records`, no NaN; fields 4-6 varints; unknown fields skipped
/// (wire types 0, 1, 2, 5, as protobuf-c keeps them); the API key and the selector's texts
/// valid (`WireText.check`); at most `maxFields` fields in each message. A scalar given twice takes the last value, as protobuf-c does;
/// integers are read as protobuf-c's `parse_uint64` / `parse_uint32` / `parse_boolean` read them.
/// The differential fuzz target FuzzDenseRequest (`FuzzChecks.denseRequest`) checks every
/// request it reads against protobuf-c's decode of the same bytes.
public enum DenseRequestReader {
    /// The largest `dense` payload read here (8,192 values); larger requests take protobuf-c's
    /// path (the forest dominates them, and the loop's copy buffer stays small).
    public static let maxDenseBytes = 64 * 1024

    /// The most wire fields read in one message (the request, its predict call, its selector);
    /// more are declined. Clients send six or fewer. Without a bound, a frame of a million
    /// tiny fields (unknown ones, or `labels_only` repeated) would be answered here although
    /// protobuf-c's unpack, which keeps 32 bytes or more per field in the request arena, refuses
    /// it as too complex (RESOURCE_EXHAUSTED): declined, it gets protobuf-c's answer.
    public static let maxFields = 64

    /// The parts of a dense predict request, pointing into the frame (valid while it is).
    public struct Parts {
        public var id: UInt64 = 0
        public var timeoutMicros: UInt64 = 0
        /// Checked: UTF-8 without NUL.
        public var apiKey = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        /// Checked: UTF-8 without NUL; empty when not given.
        public var modelName = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        /// 0 when not given.
        public var version: UInt64 = 0
        /// Checked: UTF-8 without NUL; empty when not given.
        public var label = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        /// The values' little-endian bytes in the frame (not aligned): `count` × 8 bytes, none NaN.
        public var denseBytes = UnsafeRawBufferPointer(start: nil, count: 0)
        public var labelsOnly = false
        /// Inline reasons asked per row (`PredictRequest.reasons`; 0: none).
        public var reasons = 0

        /// Number of dense values.
        public var count: Int { denseBytes.count / 8 }

        /// Copies the values into `destination` (at least `count` long).
        public func copyValues(into destination: UnsafeMutablePointer<Double>) {
            guard let base = denseBytes.baseAddress else { return }
            UnsafeMutableRawPointer(destination).copyMemory(from: base, byteCount: denseBytes.count)
        }
    }

    /// The request in `body`, or nil when this reader declines it (see the type's contract).
    public static func read(_ body: UnsafeRawBufferPointer) -> Parts? {
        #if _endian(little)
        guard let start = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var top = WireCursor(UnsafeBufferPointer(start: start, count: body.count))
        var r = Parts()
        var predict: UnsafeBufferPointer<UInt8>?
        var fields = 0
        while !top.isAtEnd {
            fields += 1
            guard fields <= maxFields, let f = top.next() else { return nil }
            switch (f.number, f.wireType) {
            case (1, WireCursor.varint): r.id = uint64(f)
            case (2, WireCursor.lengthDelimited): r.apiKey = f.bytes
            case (3, WireCursor.varint): r.timeoutMicros = uint64(f)
            case (13, WireCursor.lengthDelimited):
                guard predict == nil else { return nil }   // a second call: RequestShape's to refuse
                predict = f.bytes
            default: return nil
            }
        }
        guard let predict, readPredict(predict, into: &r) else { return nil }
        guard (try? WireText.checkAPIKey(r.apiKey)) != nil,
              (try? WireText.check(r.modelName, field: "ModelSelector.name")) != nil,
              (try? WireText.check(r.label, field: "ModelSelector.label")) != nil else { return nil }
        return r
        #else
        return nil
        #endif
    }

    /// The predict call's fields; false to decline.
    private static func readPredict(_ bytes: UnsafeBufferPointer<UInt8>, into r: inout Parts) -> Bool {
        var cursor = WireCursor(bytes)
        var sawSelector = false, sawDense = false
        var fields = 0
        while !cursor.isAtEnd {
            fields += 1
            guard fields <= maxFields, let f = cursor.next() else { return false }
            switch (f.number, f.wireType) {
            case (1, WireCursor.lengthDelimited):
                guard !sawSelector, readSelector(f.bytes, into: &r) else { return false }
                sawSelector = true
            case (2, WireCursor.lengthDelimited):
                guard !sawDense, f.length > 0, f.length % 8 == 0, f.length <= maxDenseBytes else { return false }
                sawDense = true
                r.denseBytes = UnsafeRawBufferPointer(start: f.value, count: f.length)
            case (4, WireCursor.varint): r.labelsOnly = boolean(f)
            case (5, WireCursor.varint): break   // strict: no NaN, so no note to be strict about
            case (6, WireCursor.varint): r.reasons = Int(UInt32(truncatingIfNeeded: uint64(f)))
            case (1, _), (2, _), (3, _), (4, _), (5, _), (6, _): return false   // records, or a known field with another wire type
            default: break   // unknown: protobuf-c keeps it aside
            }
        }
        return sawDense && !containsNaN(r.denseBytes)
    }

    /// The model selector's fields; false to decline.
    private static func readSelector(_ bytes: UnsafeBufferPointer<UInt8>, into r: inout Parts) -> Bool {
        var cursor = WireCursor(bytes)
        var fields = 0
        while !cursor.isAtEnd {
            fields += 1
            guard fields <= maxFields, let f = cursor.next() else { return false }
            switch (f.number, f.wireType) {
            case (1, WireCursor.lengthDelimited): r.modelName = f.bytes
            case (2, WireCursor.varint): r.version = uint64(f)
            case (3, WireCursor.lengthDelimited): r.label = f.bytes
            case (1, _), (2, _), (3, _): return false
            default: break
            }
        }
        return true
    }

    /// A varint field's value as protobuf-c's `parse_uint64` reads it (1 to 10 bytes; bits past
    /// 64 dropped). `parse_uint32` is its low 32 bits.
    @inline(__always)
    static func uint64(_ f: WireCursor.Field) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<f.length { v |= UInt64(f.value[i] & 0x7f) &<< UInt64(7 * i) }
        return v
    }

    /// protobuf-c's `parse_boolean`: true when any byte of the varint has a value bit set.
    @inline(__always)
    static func boolean(_ f: WireCursor.Field) -> Bool {
        for i in 0..<f.length where f.value[i] & 0x7f != 0 { return true }
        return false
    }

    /// Whether any of the little-endian doubles in `bytes` is NaN: eight lanes compared at a time
    /// (x != x only for NaN), one branch per eight values (a loop over `isNaN` cost about 13
    /// instructions per value).
    static func containsNaN(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let n = bytes.count / 8
        var i = 0
        while i + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            if any(v .!= v) { return true }
            i += 8
        }
        while i < n {
            if base.loadUnaligned(fromByteOffset: i * 8, as: Double.self).isNaN { return true }
            i += 1
        }
        return false
    }
}
