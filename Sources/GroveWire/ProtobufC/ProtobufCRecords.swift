// ProtobufCRecords: protobuf-c's own decoding of raw records, as plain values: the reference RecordScanner is compared with.

import CGroveProto
import CProtobufC

/// Raw records as protobuf-c's unpack reads them (the real `Record` and `Request` messages),
/// copied out as plain values. Not for serving (it allocates): the differential fuzz target
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
