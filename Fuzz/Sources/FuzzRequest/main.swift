// FuzzRequest: protobuf-c request and response decoding through the arena, and re-encoding.

import GroveWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let arena = Arena(limit: 1 << 20)
    if let request = try? Request(decoding: bytes, arena: arena), request.call != nil {
        // Whatever decodes must encode and decode to the same value.
        let again = try? Request(decoding: request.encoded(), arena: arena)
        if again != request { fatalError("request did not round-trip") }
    }
    _ = try? Response(decoding: bytes, arena: arena)
    return 0
}
