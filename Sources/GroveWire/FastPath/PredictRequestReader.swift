// PredictRequestReader: a predict request of dense rows or raw records read in place from the frame, without protobuf-c.

/// Reads `Request { id, api_key, timeout_micros, predict { model { name, version, label },
/// dense | records, labels_only, strict, reasons } }` straight from the frame's bytes with
/// protobuf-c 1.4's framing rules (`WireCursor`), for the dense and raw-record hot paths: no
/// unpack into an arena, no copies but the dense values'. It answers only what it is sure of, and
/// declines everything else (nil): the caller then decodes the request with protobuf-c
/// (`PredictView`) exactly as before, so a declined request is answered as if this reader did
/// not exist.
///
/// It reads a request only when protobuf-c would decode it to the same values and a hot path
/// would take it: the top level holds fields 1, 2, 3 and exactly one field 13 (`RequestShape`),
/// each with the wire type its field has; in the predict call, at most one selector (protobuf-c
/// merges repeated submessages) and either exactly one packed `dense` whose length is a multiple
/// of 8 and at most `maxDenseBytes`, no NaN, and no `records`; or no `dense`, from 1 to
/// `maxRecords` length-delimited `records` (each left as its bytes, as the lazy twin leaves it,
/// read later by `RecordScanner`) and `reasons` 0; fields 4-6 varints; unknown fields skipped
/// (wire types 0, 1, 2, 5, as protobuf-c keeps them); the API key and the selector's texts valid
/// (`WireText.check`); at most `maxFields` fields in each message, records not counted. A scalar
/// given twice takes the last value, as protobuf-c does; integers are read as protobuf-c's
/// `parse_uint64` / `parse_uint32` / `parse_boolean` read them. The differential fuzz targets
/// FuzzDenseRequest (`FuzzChecks.denseRequest`) and FuzzRecordScanner (`FuzzChecks.recordScanner`)
/// check every request it reads against protobuf-c's decode of the same bytes.
public enum PredictRequestReader {
    /// The largest `dense` payload read here (8,192 values); larger requests take protobuf-c's
    /// path (the forest dominates them, and the loop's copy buffer stays small).
    public static let maxDenseBytes = 64 * 1024

    /// The most wire fields read in one message (the request, its predict call, its selector),
    /// records not counted; more are declined. Clients send six or fewer. Without a bound, a
    /// frame of a million tiny fields (unknown ones, or `labels_only` repeated) would be answered
    /// here although protobuf-c's unpack, which keeps 32 bytes or more per field in the request
    /// arena, refuses it as too complex (RESOURCE_EXHAUSTED): declined, it gets protobuf-c's answer.
    public static let maxFields = 64

    /// The most raw records read in one request; more are declined (protobuf-c's lazy twin then
    /// decodes them). With the bound, what the lazy twin would keep of a request read here (16
    /// bytes per record, its bytes, the scan's bookkeeping: under 8 MiB besides the frame's own
    /// bytes) always fits the request arena (64 MiB or more), so a request read here is one the
    /// lazy twin decodes.
    public static let maxRecords = 65_536

    /// The parts of a dense or raw-record predict request, pointing into the frame (valid while it is).
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
        /// The values' little-endian bytes in the frame (not aligned): `count` × 8 bytes, none NaN;
        /// empty for a raw-record request.
        public var denseBytes = UnsafeRawBufferPointer(start: nil, count: 0)
        /// The raw records (none for a dense request), each as its bytes in the frame, not checked.
        public var records = RawRecordsView(count: 0, records: nil)
        public var labelsOnly = false
        /// Inline reasons asked per row (`PredictRequest.reasons`; 0: none).
        public var reasons = 0

        /// Nothing read yet: zeros and empty buffers (what protobuf-c reads for fields left out).
        public init() {}

        /// Number of dense values.
        public var count: Int { denseBytes.count / 8 }

        /// Copies the values into `destination` (at least `count` long).
        public func copyValues(into destination: UnsafeMutablePointer<Double>) {
            guard let base = denseBytes.baseAddress else { return }
            UnsafeMutableRawPointer(destination).copyMemory(from: base, byteCount: denseBytes.count)
        }
    }

    /// The dense request in `body`, or nil when it is not one or this reader declines it (see
    /// the type's contract).
    public static func readDense(_ body: UnsafeRawBufferPointer) -> Parts? {
        guard let r = Self.read(body), r.records.count == 0 else { return nil }
        return r
    }

    /// The dense or raw-record request in `body`, or nil when this reader declines it (see the
    /// type's contract): `records.count > 0` for raw records, else dense values.
    public static func read(_ body: UnsafeRawBufferPointer) -> Parts? {
        var r = Parts()
        return Self.read(body, into: &r) ? r : nil
    }

    /// `read(_:)` for the hot path: the parts written into `r` (true), or false when this reader
    /// declines the request (then `r` holds nothing of use). Filling the caller's value saves
    /// copying the parts (16 words) through an optional.
    public static func read(_ body: UnsafeRawBufferPointer, into r: inout Parts) -> Bool {
        r = Parts()
        #if _endian(little)
        guard let start = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        var top = WireCursor(UnsafeBufferPointer(start: start, count: body.count))
        var predict: UnsafeBufferPointer<UInt8>?
        var fields = 0
        while !top.isAtEnd {
            fields += 1
            guard fields <= maxFields, let f = top.next() else { return false }
            switch (f.number, f.wireType) {
            case (1, WireCursor.varint): r.id = uint64(f)
            case (2, WireCursor.lengthDelimited): r.apiKey = f.bytes
            case (3, WireCursor.varint): r.timeoutMicros = uint64(f)
            case (13, WireCursor.lengthDelimited):
                guard predict == nil else { return false }   // a second call: RequestShape's to refuse
                predict = f.bytes
            default: return false
            }
        }
        guard let predict, readPredict(predict, into: &r) else { return false }
        guard (try? WireText.checkAPIKey(r.apiKey)) != nil,
              (try? WireText.check(r.modelName, field: "ModelSelector.name")) != nil,
              (try? WireText.check(r.label, field: "ModelSelector.label")) != nil else { return false }
        return true
        #else
        return false
        #endif
    }

    /// The predict call's fields; false to decline.
    private static func readPredict(_ bytes: UnsafeBufferPointer<UInt8>, into r: inout Parts) -> Bool {
        var cursor = WireCursor(bytes)
        var sawSelector = false, sawDense = false
        var fields = 0, records = 0
        var firstRecord = bytes   // from the first record's tag on
        while !cursor.isAtEnd {
            let at = cursor.at
            guard let f = cursor.next() else { return false }
            if f.number == 3 && f.wireType == WireCursor.lengthDelimited {
                if records == 0 { firstRecord = UnsafeBufferPointer(start: at, count: bytes.baseAddress! + bytes.count - at) }
                records += 1
                guard records <= maxRecords else { return false }
                continue
            }
            fields += 1
            guard fields <= maxFields else { return false }
            switch (f.number, f.wireType) {
            case (1, WireCursor.lengthDelimited):
                guard !sawSelector, readSelector(f.bytes, into: &r) else { return false }
                sawSelector = true
            case (2, WireCursor.lengthDelimited):
                guard !sawDense, f.length > 0, f.length % 8 == 0, f.length <= maxDenseBytes else { return false }
                sawDense = true
                r.denseBytes = UnsafeRawBufferPointer(start: f.value, count: f.length)
            case (4, WireCursor.varint): r.labelsOnly = boolean(f)
            case (5, WireCursor.varint): break   // strict: the hot paths answer only what needs no note
            case (6, WireCursor.varint): r.reasons = Int(UInt32(truncatingIfNeeded: uint64(f)))
            case (1, _), (2, _), (3, _), (4, _), (5, _), (6, _): return false   // a known field with another wire type
            default: break   // unknown: protobuf-c keeps it aside
            }
        }
        if records > 0 {
            // Raw records: no dense value beside them, no inline reasons (the ordinary path's).
            guard !sawDense, r.reasons == 0 else { return false }
            r.records = RawRecordsView(count: records, inPlace: firstRecord)
            return true
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
