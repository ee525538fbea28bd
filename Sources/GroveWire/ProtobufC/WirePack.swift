// WirePack: packs any protobuf-c message as a frame straight into a ByteBuffer.

import CGroveProto
import CProtobufC

package enum WirePack {
    /// Any generated message struct, seen as its ProtobufCMessage header (its first field).
    package static func message<T>(_ m: UnsafeMutablePointer<T>) -> UnsafePointer<ProtobufCMessage> {
        UnsafeRawPointer(m).assumingMemoryBound(to: ProtobufCMessage.self)
    }

    /// Unpacks `body` into `arena` with a generated `*__unpack` function. protobuf-c
    /// answers NULL with no reason: that is `.tooComplex` when the arena refused
    /// memory, `.invalid` otherwise. The arena is reset first; the caller resets it after use.
    package static func unpack<T>(_ body: UnsafeRawBufferPointer, arena: Arena, message: String,
                          _ unpack: (UnsafeMutablePointer<ProtobufCAllocator>, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<T>?)
        throws(MessageDecodeError) -> UnsafeMutablePointer<T> {
        arena.reset()
        var allocator = arena.allocator
        guard let c = unpack(&allocator, body.count, body.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            if arena.exhausted { throw .tooComplex(message: message, limit: arena.limit) }
            throw .invalid(message: message)
        }
        return c
    }

    /// Runs a decoder over an array's bytes.
    package static func decode<T>(_ body: [UInt8], _ decode: (UnsafeRawBufferPointer) throws(MessageDecodeError) -> T) throws(MessageDecodeError) -> T {
        let result: Swift.Result<T, MessageDecodeError> = body.withUnsafeBytes { raw in
            Swift.Result { () throws(MessageDecodeError) in try decode(raw) }
        }
        return try result.get()
    }

    /// The packed bytes of a message.
    package static func bytes(_ message: UnsafePointer<ProtobufCMessage>) -> [UInt8] {
        let size = protobuf_c_message_get_packed_size(message)
        var out = [UInt8](repeating: 0, count: size)
        _ = out.withUnsafeMutableBufferPointer { protobuf_c_message_pack(message, $0.baseAddress) }
        return out
    }

    /// The packed bytes of only those fields of `message` whose numbers `keep` accepts, the
    /// others packed as if unset: exactly those fields' bytes within `bytes(message)`, since
    /// protobuf-c packs the fields one after another in the descriptor's order (ascending
    /// numbers) and each field's bytes depend on that field alone. Lets a caller splice bytes it
    /// packed itself (a repeated message field, packed ahead) between the fields before and after.
    /// Unknown fields are left out. A `required` field cannot be left out (proto3 has none).
    package static func bytes(_ message: UnsafePointer<ProtobufCMessage>, fields keep: (UInt32) -> Bool) -> [UInt8] {
        let descriptor = message.pointee.descriptor!
        let size = descriptor.pointee.sizeof_message
        let copy = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { copy.deallocate() }
        copy.copyMemory(from: message, byteCount: size)
        let m = copy.assumingMemoryBound(to: ProtobufCMessage.self)
        m.pointee.n_unknown_fields = 0
        for i in 0..<Int(descriptor.pointee.n_fields) {
            let field = descriptor.pointee.fields[i]
            if keep(field.id) { continue }
            let member = copy + Int(field.offset), quantifier = copy + Int(field.quantifier_offset)
            if field.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 {
                // The union's case names the member set; another field of the oneof may be kept.
                if quantifier.load(as: UInt32.self) == field.id { quantifier.storeBytes(of: 0, as: UInt32.self) }
                continue
            }
            switch field.label {
            case PROTOBUF_C_LABEL_REPEATED:
                quantifier.storeBytes(of: 0, as: Int.self)
            case PROTOBUF_C_LABEL_OPTIONAL where field.type != PROTOBUF_C_TYPE_STRING && field.type != PROTOBUF_C_TYPE_MESSAGE:
                quantifier.storeBytes(of: 0, as: protobuf_c_boolean.self)
            case PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_LABEL_NONE:
                // proto3: a zero value, empty bytes or a NULL string or message is not packed.
                member.initializeMemory(as: UInt8.self, repeating: 0, count: memberBytes(field.type))
            default:
                preconditionFailure("WirePack: required field \(field.id) cannot be left out")
            }
        }
        return bytes(UnsafePointer(m))
    }

    /// The bytes of a singular member of protobuf-c type `type` in a message struct.
    private static func memberBytes(_ type: ProtobufCType) -> Int {
        switch type {
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_UINT64,
             PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_DOUBLE:
            return 8
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_MESSAGE:
            return MemoryLayout<UnsafeRawPointer>.size
        case PROTOBUF_C_TYPE_BYTES:
            return MemoryLayout<ProtobufCBinaryData>.size
        default:
            return 4  // 32-bit integers, float, enum, protobuf_c_boolean
        }
    }

    /// The number of a field of a message type, by name (nil: no such field).
    package static func fieldNumber(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, _ name: String) -> UInt32? {
        protobuf_c_message_descriptor_get_field_by_name(descriptor, name)?.pointee.id
    }

    /// Appends header + packed message to `buffer`, with no intermediate copy.
    package static func frame(_ message: UnsafePointer<ProtobufCMessage>, into buffer: ByteBuffer) {
        frame(message, size: packedSize(message), into: buffer)
    }

    /// The size of `message`'s encoding (a walk of the whole message).
    package static func packedSize(_ message: UnsafePointer<ProtobufCMessage>) -> Int {
        protobuf_c_message_get_packed_size(message)
    }

    /// `frame` with the encoding's size already known (`packedSize`).
    package static func frame(_ message: UnsafePointer<ProtobufCMessage>, size: Int, into buffer: ByteBuffer) {
        _ = buffer.writeWithUnsafeMutableBytes(minimum: FrameLimits.headerBytes + size) { raw in
            FrameEncoder.writeHeader(length: max(size, 1), into: raw)
            if size == 0 {
                // An all-default message encodes to zero bytes, which the wire
                // forbids; our messages always set an id or status, so this is a bug.
                preconditionFailure("WirePack: a message encoded to 0 bytes")
            }
            let body = raw.baseAddress!.advanced(by: FrameLimits.headerBytes).assumingMemoryBound(to: UInt8.self)
            let written = protobuf_c_message_pack(message, body)
            precondition(written == size)
            return FrameLimits.headerBytes + size
        }
    }
}
