// OnnxDecoder: ONNX bytes -> OnnxModel, through protobuf-c and the vendored onnx subset.

import CGroveProto
import CProtobufC
import GroveWire

/// Decodes an ONNX file into `OnnxModel` values. The only Swift that touches the
/// generated `onnx__*` C code.
///
/// The size is checked against `OnnxLimits.maxFileBytes` first; protobuf-c then unpacks
/// into an `Arena` bounded by `maxDecodedBytes` (a small file that would expand into
/// too many C structures fails as `.tooLarge`), and every repeated field is copied out
/// with its count already bounded by what the arena held. Packed and unpacked encodings
/// of repeated numbers are both accepted (protobuf-c reads either); fields outside the
/// subset are skipped.
public enum OnnxDecoder {
    public static func decode(_ bytes: [UInt8], limits: OnnxLimits = OnnxLimits()) throws(OnnxImportError) -> OnnxModel {
        if bytes.count > limits.maxFileBytes {
            throw .tooLarge(what: "the ONNX file size (bytes)", value: bytes.count, limit: limits.maxFileBytes)
        }
        let arena = Arena(chunkSize: 1 << 20, limit: limits.maxDecodedBytes)
        let result: Result<OnnxModel, OnnxImportError> = bytes.withUnsafeBufferPointer { buf in
            var allocator = arena.allocator
            guard let m = onnx__model_proto__unpack(&allocator, buf.count, buf.baseAddress) else {
                return .failure(arena.exhausted
                    ? .tooLarge(what: "the decoded ONNX structures (bytes)", value: arena.allocatedBytes, limit: arena.limit)
                    : .notAModel)
            }
            return Result { () throws(OnnxImportError) in try model(m.pointee) }
        }
        return try result.get()
    }

    private static func model(_ m: Onnx__ModelProto) throws(OnnxImportError) -> OnnxModel {
        guard let g = m.graph?.pointee else { throw .invalid("the ONNX model has no graph") }
        var opsets: [String: Int64] = [:]
        for o in messages(m.n_opset_import, m.opset_import) { opsets[string(o.domain)] = o.has_version != 0 ? o.version : 1 }
        var nodes: [OnnxNode] = []
        for n in messages(g.n_node, g.node) { nodes.append(try node(n)) }
        var initializers: [String: OnnxTensor] = [:]
        for t in messages(g.n_initializer, g.initializer) {
            let name = string(t.name)
            initializers[name] = try tensor(t, name: name)
        }
        return OnnxModel(irVersion: m.has_ir_version != 0 ? m.ir_version : 0, producerName: string(m.producer_name),
                         producerVersion: string(m.producer_version), opsets: opsets,
                         metadata: properties(m.n_metadata_props, m.metadata_props),
                         graph: OnnxGraph(name: string(g.name), nodes: nodes,
                                          inputs: messages(g.n_input, g.input).map(valueInfo)
                                              .filter { initializers[$0.name] == nil },
                                          outputs: messages(g.n_output, g.output).map(valueInfo),
                                          initializers: initializers))
    }

    private static func valueInfo(_ v: Onnx__ValueInfoProto) -> OnnxValueInfo {
        var elem: Int32 = 0
        var dims: [Int64?] = []
        if let t = v.type?.pointee, t.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tt = t.tensor_type?.pointee {
            elem = tt.has_elem_type != 0 ? tt.elem_type : 0
            if let s = tt.shape?.pointee {
                dims = messages(s.n_dim, s.dim).map { $0.value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ? $0.dim_value : nil }
            }
        }
        return OnnxValueInfo(name: string(v.name), elementType: elem, dims: dims,
                             metadata: properties(v.n_metadata_props, v.metadata_props))
    }

    private static func node(_ n: Onnx__NodeProto) throws(OnnxImportError) -> OnnxNode {
        var attributes: [String: OnnxAttribute] = [:]
        for a in messages(n.n_attribute, n.attribute) {
            let name = string(a.name)
            if attributes.updateValue(try attribute(a), forKey: name) != nil {
                throw .invalid("node \(string(n.op_type)) repeats the attribute \(name)")
            }
        }
        return OnnxNode(name: string(n.name), opType: string(n.op_type), domain: string(n.domain),
                        inputs: strings(n.n_input, n.input), outputs: strings(n.n_output, n.output), attributes: attributes)
    }

    private static func attribute(_ a: Onnx__AttributeProto) throws(OnnxImportError) -> OnnxAttribute {
        // Writers set `type`; a few old ones leave it out, so fall back to the field present.
        let type: Int32
        if a.has_type != 0 {
            type = Int32(a.type.rawValue)
        } else if a.n_floats > 0 { type = 6 } else if a.n_ints > 0 { type = 7 } else if a.n_strings > 0 { type = 8 }
        else if a.t != nil { type = 4 } else if a.has_s != 0 { type = 3 } else if a.has_i != 0 { type = 2 }
        else if a.has_f != 0 { type = 1 } else { type = 0 }
        switch type {
        case 1: return .float(a.f)
        case 2: return .int(a.i)
        case 3: return .string(bytes(a.s))
        case 4:
            guard let t = a.t?.pointee else { throw .invalid("attribute \(string(a.name)) is a tensor without a value") }
            return .tensor(try tensor(t, name: string(a.name)))
        case 6: return .floats(array(a.n_floats, a.floats))
        case 7: return .ints(array(a.n_ints, a.ints))
        case 8: return .strings((0..<a.n_strings).map { bytes(a.strings[$0]) })
        default: return .unsupported(type)
        }
    }

    private static func tensor(_ t: Onnx__TensorProto, name: String) throws(OnnxImportError) -> OnnxTensor {
        let dims = array(t.n_dims, t.dims)
        var count = 1
        for d in dims {
            guard d >= 0, d <= Int64(Int32.max) else { throw .invalid("tensor \(name) has the dimension \(d)") }
            let (p, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, p <= Int(Int32.max) else { throw .invalid("tensor \(name) has too many elements") }
            count = p
        }
        let type = t.has_data_type != 0 ? t.data_type : 0
        var values: [Double]
        let raw = t.raw_data
        func rawValues<T>(_: T.Type) throws(OnnxImportError) -> [T] {
            guard raw.len == count * MemoryLayout<T>.size else {
                throw .invalid("tensor \(name) holds \(raw.len) raw bytes for \(count) elements")
            }
            guard count > 0, let p = raw.data else { return [] }
            // ONNX raw_data is little-endian, as this machine.
            return (0..<count).map { UnsafeRawPointer(p).loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
        }
        let isRaw = t.has_raw_data != 0
        switch type {
        case OnnxTensor.float:
            values = (isRaw ? try rawValues(Float.self) : array(t.n_float_data, t.float_data)).map(Double.init)
        case OnnxTensor.double:
            values = isRaw ? try rawValues(Double.self) : array(t.n_double_data, t.double_data)
        case OnnxTensor.int64:
            let ints: [Int64] = isRaw ? try rawValues(Int64.self) : array(t.n_int64_data, t.int64_data)
            guard ints.allSatisfy({ $0 >= -(1 << 53) && $0 <= 1 << 53 }) else { throw .invalid("tensor \(name) holds an integer beyond 2^53") }
            values = ints.map(Double.init)
        case OnnxTensor.int32:
            values = (isRaw ? try rawValues(Int32.self) : array(t.n_int32_data, t.int32_data)).map(Double.init)
        case OnnxTensor.uint8:
            // Stored in int32_data when not raw.
            values = isRaw ? try rawValues(UInt8.self).map(Double.init) : array(t.n_int32_data, t.int32_data).map(Double.init)
        default:
            throw .invalid("tensor \(name) has the element type \(type); grove import reads float, double, int32, int64 and uint8 tensors")
        }
        guard values.count == count else { throw .invalid("tensor \(name) has \(values.count) values for \(count) elements") }
        return OnnxTensor(dataType: type, dims: dims, values: values)
    }

    // MARK: - C readers

    private static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    private static func bytes(_ b: ProtobufCBinaryData) -> [UInt8] {
        guard b.len > 0, let p = b.data else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: b.len))
    }

    private static func array<T>(_ count: Int, _ p: UnsafeMutablePointer<T>?) -> [T] {
        guard count > 0, let p else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }

    private static func strings(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard count > 0, let p else { return [] }
        return (0..<count).map { string(p[$0]) }
    }

    private static func messages<C>(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?) -> [C] {
        guard count > 0, let p else { return [] }
        return (0..<count).compactMap { p[$0]?.pointee }
    }

    private static func properties(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?) -> [String: String] {
        var out: [String: String] = [:]
        for e in messages(count, p) { out[string(e.key)] = string(e.value) }
        return out
    }
}
