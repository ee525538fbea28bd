// LazyTwin: proof from protobuf-c's descriptors that the lazy twins and the record reader match grove.proto.

import CGroveProto
import CProtobufC

/// The fast path reads predict requests with the twins of proto/grove/v1/lazy.proto, the
/// top-level walk of `RequestShape` and the `Field` reader of `RecordScanner`: each must read
/// the bytes as the real messages of grove.proto do. `mismatches()` compares the generated
/// descriptors (LazyTwinTests fails on any difference), so a field added to or changed in
/// grove.proto cannot silently be skipped or misread by the fast path.
package enum LazyTwin {
    /// Every difference found, as sentences (empty: the twins, the shape and the reader agree).
    package static func mismatches() -> [String] {
        var out: [String] = []
        let request = fields(grove__v1__request__descriptor), lazyRequest = fields(grove__v1__lazy_request__descriptor)
        let predict = fields(grove__v1__predict_request__descriptor), lazyPredict = fields(grove__v1__lazy_predict_request__descriptor)
        // The twins: the same number, label and type as the real field of the same name.
        compare(twin: lazyRequest, real: request, in: "LazyRequest", &out) { name, twin, real in
            name == "predict" && twin.type == PROTOBUF_C_TYPE_MESSAGE && real.type == PROTOBUF_C_TYPE_MESSAGE
        }
        compare(twin: lazyPredict, real: predict, in: "LazyPredictRequest", &out) { name, twin, real in
            // A Record and `bytes` are both length-delimited: the one intended difference.
            name == "records" && twin.type == PROTOBUF_C_TYPE_BYTES && real.type == PROTOBUF_C_TYPE_MESSAGE
                && real.messageName == "grove.v1.Record"
        }
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
        expect(fields(grove__v1__record__descriptor), in: "Record", ["fields": (RecordScanner.recordFields, PROTOBUF_C_TYPE_MESSAGE)], &out)
        expect(fields(grove__v1__field__descriptor), in: "Field", [
            "name": (RecordScanner.fieldName, PROTOBUF_C_TYPE_BYTES), "number": (RecordScanner.fieldNumber, PROTOBUF_C_TYPE_DOUBLE),
            "text": (RecordScanner.fieldText, PROTOBUF_C_TYPE_BYTES), "missing": (RecordScanner.fieldMissing, PROTOBUF_C_TYPE_BOOL),
        ], &out)
        return out.sorted()
    }

    private struct FieldInfo {
        let id: UInt32
        let label: ProtobufCLabel
        let type: ProtobufCType
        let flags: UInt32
        let descriptor: UnsafeRawPointer?

        /// The full name of a message field's type ("grove.v1.Record"); nil for other types.
        var messageName: String? {
            guard type == PROTOBUF_C_TYPE_MESSAGE, let descriptor else { return nil }
            return String(cString: descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee.name)
        }
    }

    private static func fields(_ d: ProtobufCMessageDescriptor) -> [String: FieldInfo] {
        var out: [String: FieldInfo] = [:]
        for i in 0..<Int(d.n_fields) {
            let f = d.fields[i]
            out[String(cString: f.name)] = FieldInfo(id: f.id, label: f.label, type: f.type, flags: f.flags, descriptor: f.descriptor)
        }
        return out
    }

    private static func compare(twin: [String: FieldInfo], real: [String: FieldInfo], in message: String, _ out: inout [String],
                                intended: (String, FieldInfo, FieldInfo) -> Bool) {
        for (name, t) in twin {
            guard let r = real[name] else { out.append("\(message).\(name) has no field of that name in the real message"); continue }
            if t.id != r.id { out.append("\(message).\(name) is field \(t.id), the real one \(r.id)") }
            if t.label != r.label { out.append("\(message).\(name): label \(t.label.rawValue), the real one \(r.label.rawValue)") }
            if t.flags != r.flags { out.append("\(message).\(name): flags \(t.flags), the real one \(r.flags)") }
            if t.type != r.type && !intended(name, t, r) { out.append("\(message).\(name): type \(t.type.rawValue), the real one \(r.type.rawValue)") }
            if t.type == r.type && t.type != PROTOBUF_C_TYPE_MESSAGE && t.descriptor != r.descriptor {
                out.append("\(message).\(name): another enum or message type than the real one")
            }
        }
    }

    private static func expect(_ actual: [String: FieldInfo], in message: String, _ wanted: [String: (UInt32, ProtobufCType)], _ out: inout [String]) {
        for name in actual.keys where wanted[name] == nil { out.append("\(message).\(name) is unknown to RecordScanner (it would skip it)") }
        for (name, (id, type)) in wanted {
            guard let f = actual[name] else { out.append("RecordScanner reads \(message).\(name), which grove.proto no longer has"); continue }
            if f.id != id || f.type != type { out.append("RecordScanner reads \(message).\(name) as field \(id) of type \(type.rawValue)") }
        }
    }
}
