// ProtobufCRecords: protobuf-c's own decoding of raw records, as plain values: the reference RecordScanner is compared with.

import CGroveProto
import CProtobufC

/// Raw records as protobuf-c's unpack reads them (the real `Record` and `Request` messages),
/// copied out as plain values, and the rest of what the predict hot path reads of a request
/// (`predictReading`). Not for serving (it allocates): the differential fuzz target
/// (FuzzChecks.recordScanner) and the tests compare `RecordScanner` and the lazy twin with it.
package enum ProtobufCRecords {
    package enum Value: Equatable {
        /// The double's bits (so NaNs compare by payload).
        case number(UInt64)
        case text([UInt8])
        case missing
    }

    package struct Field: Equatable {
        package let name: [UInt8]
        package let value: Value

        package init(name: [UInt8], value: Value) {
            self.name = name
            self.value = value
        }

        /// The field a `RecordScanner` yielded, as a value.
        package init(_ view: RawFieldView) {
            name = Array(view.name)
            switch view.kind {
            case let .number(x): value = .number(x.bitPattern)
            case let .text(t): value = .text(Array(t))
            case .missing: value = .missing
            }
        }
    }

    /// `bytes` decoded as one `Record`; nil when protobuf-c refuses them (or `arena` runs out).
    package static func record(_ bytes: UnsafeRawBufferPointer, arena: Arena) -> [Field]? {
        guard let r = try? WirePack.unpack(bytes, arena: arena, message: "Record", grove__v1__record__unpack) else { return nil }
        defer { arena.reset() }
        return fields(r.pointee)
    }

    /// The records of `body` decoded as a real `Request`: nil when protobuf-c refuses it, [] when
    /// it is not a predict call.
    package static func predictRecords(_ body: UnsafeRawBufferPointer, arena: Arena) -> [[Field]]? {
        guard let q = try? WirePack.unpack(body, arena: arena, message: "Request", grove__v1__request__unpack) else { return nil }
        defer { arena.reset() }
        guard q.pointee.call_case == GROVE__V1__REQUEST__CALL_PREDICT, let p = q.pointee.predict?.pointee, let records = p.records else { return [] }
        return (0..<p.n_records).map { i in records[i].map { fields($0.pointee) } ?? [] }
    }

    /// What the predict hot path should read of `body` (`PredictReading`), from protobuf-c's
    /// decode of the real `Request` and the rules `PredictView` documents: a dense call when the
    /// predict call holds dense values, none of them NaN, and no record; a raw-record call when
    /// it holds records, no dense value and no inline reasons, and its selector's text is valid.
    /// nil when protobuf-c refuses the request.
    package static func predictReading(_ body: UnsafeRawBufferPointer, arena: Arena) -> PredictReading? {
        guard let q = try? WirePack.unpack(body, arena: arena, message: "Request", grove__v1__request__unpack) else { return nil }
        defer { arena.reset() }
        let r = q.pointee
        let p = r.call_case == GROVE__V1__REQUEST__CALL_PREDICT ? r.predict?.pointee : nil
        func selector(_ m: UnsafeMutablePointer<Grove__V1__ModelSelector>?) throws(MessageDecodeError) -> PredictReading.Selector {
            let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            let name = m.map { WireText.bytes($0.pointee.name) } ?? none, label = m.map { WireText.bytes($0.pointee.label) } ?? none
            try WireText.check(name, field: "ModelSelector.name")
            try WireText.check(label, field: "ModelSelector.label")
            return PredictReading.Selector(name: Array(name), version: m?.pointee.version ?? 0, label: Array(label))
        }
        var dense = Result<PredictReading.Dense?, MessageDecodeError>.success(nil)
        if let p, p.n_records == 0, p.n_dense > 0, let values = p.dense {
            let v = UnsafeBufferPointer(start: values, count: p.n_dense)
            if !v.contains(where: \.isNaN) {
                dense = Result { () throws(MessageDecodeError) in
                    PredictReading.Dense(selector: try selector(p.model), values: v.map(\.bitPattern), labelsOnly: p.labels_only != 0,
                                         reasons: Int(p.reasons))
                }
            }
        }
        var records: PredictReading.Records?
        if let p, p.n_dense == 0, p.n_records > 0, p.reasons == 0, p.records != nil, let s = try? selector(p.model) {
            records = PredictReading.Records(selector: s, count: p.n_records, labelsOnly: p.labels_only != 0)
        }
        let key = WireText.bytes(r.api_key)
        return PredictReading(id: r.id, timeoutMicros: r.timeout_micros, holdsNoRecord: (p?.n_records ?? 0) == 0,
                              apiKey: Result { () throws(MessageDecodeError) in try WireText.check(key, field: "Request.api_key"); return Array(key) },
                              dense: dense, records: records)
    }

    private static func fields(_ r: Grove__V1__Record) -> [Field] {
        guard let fields = r.fields else { return [] }
        return (0..<r.n_fields).map { i in
            guard let f = fields[i]?.pointee else { return Field(name: [], value: .missing) }
            let name = Array(WireText.bytes(f.name))
            switch f.value_case {
            case GROVE__V1__FIELD__VALUE_NUMBER: return Field(name: name, value: .number(f.number.bitPattern))
            case GROVE__V1__FIELD__VALUE_TEXT: return Field(name: name, value: .text(Array(WireText.bytes(f.text))))
            default: return Field(name: name, value: .missing)
            }
        }
    }
}
