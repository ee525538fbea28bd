// FuzzOnnx: ONNX decoding and tree-ensemble conversion, then compiling and predicting when it imports (FuzzChecks.onnx).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOnnx(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.onnx(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}
