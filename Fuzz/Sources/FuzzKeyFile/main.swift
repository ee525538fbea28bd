// FuzzKeyFile: the API key file and trusted-signers parsers on arbitrary bytes (FuzzChecks.keyFile).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.keyFile(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}
