// LazyTwin: proof from protobuf-c's descriptors that the lazy twins and the record reader match grove.proto.

import CGroveProto
import CProtobufC

/// The fast path reads predict requests with the twins of proto/grove/v1/lazy.proto, the
/// top-level walk of `RequestShape` and the `Field` reader of `RecordScanner`: each must read
/// the bytes as the real messages of grove.proto do. `mismatches()` compares the generated
/// descriptors (LazyTwinTests fails on any difference), so a field added to or changed in
/// grove.proto cannot silently be skipped or misread by the fast path.
package enum LazyTwin {
    /// A field as its descriptor describes it.
    package struct FieldInfo: Equatable {
        package var id: UInt32
        package var label: UInt32
        package var flags: UInt32
        /// The scalar type's proto name ("bytes", "uint64"), or "message" / "enum" and the
        /// type's full name ("message grove.v1.ModelSelector"): message and enum fields are
        /// compared by the type they hold, not only by being messages.
        package var type: String
    }

    /// The messages compared.
    package enum Message: CaseIterable {
        case request, lazyRequest, predictRequest, lazyPredictRequest, record, field

        /// Every field, by name.
        package var fields: [String: FieldInfo] {
            switch self {
            case .request: return LazyTwin.fields(grove__v1__request__descriptor)
            case .lazyRequest: return LazyTwin.fields(grove__v1__lazy_request__descriptor)
            case .predictRequest: return LazyTwin.fields(grove__v1__predict_request__descriptor)
            case .lazyPredictRequest: return LazyTwin.fields(grove__v1__lazy_predict_request__descriptor)
            case .record: return LazyTwin.fields(grove__v1__record__descriptor)
            case .field: return LazyTwin.fields(grove__v1__field__descriptor)
            }
        }
    }

    /// The twins' intended differences, by "Twin.field": (the twin's type, the real one's).
    /// A Record and `bytes` are both length-delimited (the records left as bytes), and the
    /// twin request holds the twin predict request, which is compared with the real one.
    package static let intended: [String: (twin: String, real: String)] = [
        "LazyRequest.predict": ("message grove.v1.LazyPredictRequest", "message grove.v1.PredictRequest"),
        "LazyPredictRequest.records": ("bytes", "message grove.v1.Record"),
    ]

    /// Every difference found, as sentences (empty: the twins, the shape and the reader agree).
    package static func mismatches() -> [String] {
        var out: [String] = []
        let request = Message.request.fields, lazyRequest = Message.lazyRequest.fields
        let predict = Message.predictRequest.fields, lazyPredict = Message.lazyPredictRequest.fields
        // The twins: the same number, label, flags and type as the real field of the same name.
        out += compare(twin: lazyRequest, real: request, in: "LazyRequest")
        out += compare(twin: lazyPredict, real: predict, in: "LazyPredictRequest")
        // Every field of the real PredictRequest is in its twin (else the twin would skip it).
        for name in predict.keys where lazyPredict[name] == nil { out.append("PredictRequest.\(name) has no twin in LazyPredictRequest") }
        // Every top-level field the twin lacks is another call (a oneof member), which RequestShape refuses.
        for (name, f) in request where lazyRequest[name] == nil && f.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) == 0 {
            out.append("Request.\(name) has no twin in LazyRequest and is not a call")
        }
        let shape: [(String, UInt32)] = [("id", RequestShape.id), ("api_key", RequestShape.apiKey),
                                         ("timeout_micros", RequestShape.timeoutMicros), ("predict", RequestShape.predict),
                                         ("explain", RequestShape.explain)]
        for (name, number) in shape where request[name]?.id != number { out.append("RequestShape reads Request.\(name) as field \(number)") }
        // The reader knows every field of Record and Field, with their types.
        out += expect(Message.record.fields, in: "Record", ["fields": (RecordScanner.recordFields, "message grove.v1.Field")])
        out += expect(Message.field.fields, in: "Field", [
            "name": (RecordScanner.fieldName, "bytes"), "number": (RecordScanner.fieldNumber, "double"),
            "text": (RecordScanner.fieldText, "bytes"), "missing": (RecordScanner.fieldMissing, "bool"),
        ])
        return out.sorted()
    }

    /// The differences between a twin's fields and the real message's, as sentences: a twin
    /// field the real message lacks, or one whose number, label, flags or type (for messages
    /// and enums: which message or enum) differ, unless `intended` lists the type difference.
    package static func compare(twin: [String: FieldInfo], real: [String: FieldInfo], in message: String) -> [String] {
        var out: [String] = []
        for (name, t) in twin {
            guard let r = real[name] else { out.append("\(message).\(name) has no field of that name in the real message"); continue }
            if t.id != r.id { out.append("\(message).\(name) is field \(t.id), the real one \(r.id)") }
            if t.label != r.label { out.append("\(message).\(name): label \(t.label), the real one \(r.label)") }
            if t.flags != r.flags { out.append("\(message).\(name): flags \(t.flags), the real one \(r.flags)") }
            if t.type != r.type && !(intended["\(message).\(name)"].map { $0.twin == t.type && $0.real == r.type } ?? false) {
                out.append("\(message).\(name): type \(t.type), the real one \(r.type)")
            }
        }
        return out
    }

    private static func expect(_ actual: [String: FieldInfo], in message: String, _ wanted: [String: (UInt32, String)]) -> [String] {
        var out: [String] = []
        for name in actual.keys where wanted[name] == nil { out.append("\(message).\(name) is unknown to RecordScanner (it would skip it)") }
        for (name, (id, type)) in wanted {
            guard let f = actual[name] else { out.append("RecordScanner reads \(message).\(name), which grove.proto no longer has"); continue }
            if f.id != id || f.type != type { out.append("RecordScanner reads \(message).\(name) as field \(id) of type \(type)") }
        }
        return out
    }

    private static func fields(_ d: ProtobufCMessageDescriptor) -> [String: FieldInfo] {
        var out: [String: FieldInfo] = [:]
        for i in 0..<Int(d.n_fields) {
            let f = d.fields[i]
            out[String(cString: f.name)] = FieldInfo(id: f.id, label: f.label.rawValue, flags: f.flags, type: typeName(f))
        }
        return out
    }

    private static func typeName(_ f: ProtobufCFieldDescriptor) -> String {
        switch f.type {
        case PROTOBUF_C_TYPE_MESSAGE:
            guard let d = f.descriptor else { return "message ?" }
            return "message " + String(cString: d.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee.name)
        case PROTOBUF_C_TYPE_ENUM:
            guard let d = f.descriptor else { return "enum ?" }
            return "enum " + String(cString: d.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee.name)
        case PROTOBUF_C_TYPE_INT32: return "int32"
        case PROTOBUF_C_TYPE_SINT32: return "sint32"
        case PROTOBUF_C_TYPE_SFIXED32: return "sfixed32"
        case PROTOBUF_C_TYPE_INT64: return "int64"
        case PROTOBUF_C_TYPE_SINT64: return "sint64"
        case PROTOBUF_C_TYPE_SFIXED64: return "sfixed64"
        case PROTOBUF_C_TYPE_UINT32: return "uint32"
        case PROTOBUF_C_TYPE_FIXED32: return "fixed32"
        case PROTOBUF_C_TYPE_UINT64: return "uint64"
        case PROTOBUF_C_TYPE_FIXED64: return "fixed64"
        case PROTOBUF_C_TYPE_FLOAT: return "float"
        case PROTOBUF_C_TYPE_DOUBLE: return "double"
        case PROTOBUF_C_TYPE_BOOL: return "bool"
        case PROTOBUF_C_TYPE_STRING: return "string"
        case PROTOBUF_C_TYPE_BYTES: return "bytes"
        default: return "type \(f.type.rawValue)"
        }
    }
}
