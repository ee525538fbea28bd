// FuzzRequest: protobuf-c request and response decoding through the arena, and re-encoding (FuzzChecks.request).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.request(UnsafeRawBufferPointer(start: data, count: size)) } catch { fatalError("\(error)") }
    return 0
}
