// WireMessage: what Request and Response share on the way out: their C message, then the
// encoding, the frame, or the frame appended to a connection's buffer.

import CProtobufC

/// A top-level message of grove.proto (`Request`, `Response`) that builds its C form in an arena.
public protocol WireMessage {
    /// The C message (a protobuf-c message, as a raw pointer so that no C type is public),
    /// allocated in `arena` and valid until the arena is reset. An implementation detail
    /// of `encoded`, `framed` and `writeFrame`.
    func _cMessage(_ arena: Arena) -> UnsafeRawPointer
}

extension WireMessage {
    private func message(_ arena: Arena) -> UnsafePointer<ProtobufCMessage> {
        _cMessage(arena).assumingMemoryBound(to: ProtobufCMessage.self)
    }

    /// The message's protobuf encoding (no frame header).
    public func encoded(arena: Arena = Arena()) -> [UInt8] {
        defer { arena.reset() }
        return WirePack.bytes(message(arena))
    }

    /// The message in a frame: length prefix + encoding.
    public func framed(arena: Arena = Arena()) -> [UInt8] {
        FrameEncoder.frame(encoded(arena: arena))
    }

    /// Appends this message as a frame to `buffer`.
    public func writeFrame(into buffer: ByteBuffer, arena: Arena) {
        defer { arena.reset() }
        let m = message(arena)
        WirePack.frame(m, size: WirePack.packedSize(m), into: buffer)
    }

    /// Appends this message as a frame to `buffer` when its encoding is at most `maxBodyBytes`;
    /// otherwise appends nothing and returns the encoding's size (nil: written).
    public func writeFrame(into buffer: ByteBuffer, arena: Arena, maxBodyBytes: Int) -> Int? {
        defer { arena.reset() }
        let m = message(arena)
        let size = WirePack.packedSize(m)
        guard size <= maxBodyBytes else { return size }
        WirePack.frame(m, size: size, into: buffer)
        return nil
    }
}

extension Request: WireMessage {
    public func _cMessage(_ arena: Arena) -> UnsafeRawPointer { UnsafeRawPointer(WirePack.message(cMessage(arena))) }
}

extension Response: WireMessage {
    public func _cMessage(_ arena: Arena) -> UnsafeRawPointer { UnsafeRawPointer(WirePack.message(cMessage(arena))) }
}
