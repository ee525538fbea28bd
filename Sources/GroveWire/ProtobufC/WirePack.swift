// WirePack: packs any protobuf-c message as a frame straight into a ByteBuffer.

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

    /// Appends header + packed message to `buffer`, with no intermediate copy.
    package static func frame(_ message: UnsafePointer<ProtobufCMessage>, into buffer: ByteBuffer) {
        let size = protobuf_c_message_get_packed_size(message)
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
