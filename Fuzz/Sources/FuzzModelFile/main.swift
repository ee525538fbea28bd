// FuzzModelFile: model-file decoding and validation, then compiling and one prediction when it loads.

import GroveForest
import GroveModelStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let model = try? ModelFileCodec.decode(bytes) else { return 0 }
    // A file that validates must be safe to compile and to predict with.
    guard let compiled = try? CompiledForest(forest: model.forest) else { fatalError("validated forest failed to compile") }
    let row = [Double](repeating: 0.5, count: model.forest.numFeatures)
    _ = try? compiled.predict(row: row)
    return 0
}
