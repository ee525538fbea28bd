// FuzzFrames: the frame decoder on a byte stream, fed in chunks; it must never crash or loop.

import GroveWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let decoder = FrameDecoder(limits: FrameLimits(maxFrameBytes: 4096))
    let buffer = ByteBuffer(capacity: 64)
    // The first byte picks a chunk size, so splits at every offset are explored.
    let chunk = size > 0 ? Int(bytes[0]) % 17 + 1 : 1
    var offset = 0
    let arena = Arena(limit: 1 << 20)
    while offset < size {
        let end = min(offset + chunk, size)
        buffer.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
        offset = end
        loop: while true {
            switch decoder.decode(buffer.readableView) {
            case .needMoreData: break loop
            case let .frame(body):
                _ = try? Request(decoding: UnsafeRawBufferPointer(rebasing: buffer.readableView[body]), arena: arena)
                buffer.consume(body.upperBound)
            case .error: return 0
            }
        }
    }
    return 0
}
