// FuzzAdminUpload: upload chunks decoded from the bytes, sent to a live --admin server (FuzzChecks.adminUpload).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminUpload(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.adminUpload(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}
