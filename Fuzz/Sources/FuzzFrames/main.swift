// FuzzFrames: the frame decoder on a byte stream, fed in chunks; it must never crash or loop (FuzzChecks.frames).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.frames(UnsafeRawBufferPointer(start: data, count: size)) } catch { fatalError("\(error)") }
    return 0
}
