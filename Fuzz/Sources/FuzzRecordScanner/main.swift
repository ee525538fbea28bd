// FuzzRecordScanner: the hand-written record reader and the lazy twin against protobuf-c's unpack (FuzzChecks.recordScanner).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordScanner(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.recordScanner(UnsafeRawBufferPointer(start: data, count: size)) } catch { fatalError("\(error)") }
    return 0
}
