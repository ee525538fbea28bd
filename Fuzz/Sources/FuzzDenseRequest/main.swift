// FuzzDenseRequest: the in-place dense request reader against protobuf-c's decode (FuzzChecks.denseRequest).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDenseRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.denseRequest(UnsafeRawBufferPointer(start: data, count: size)) } catch { fatalError("\(error)") }
    return 0
}
