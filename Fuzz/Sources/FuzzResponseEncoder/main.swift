// FuzzResponseEncoder: the hand-written predict answer against protobuf-c's pack (FuzzChecks.responseEncoder).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseEncoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.responseEncoder(UnsafeRawBufferPointer(start: data, count: size)) } catch { fatalError("\(error)") }
    return 0
}
