// FuzzModelFile: model-file decoding and validation, then compiling and one prediction when it loads (FuzzChecks.modelFile).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.modelFile(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}
