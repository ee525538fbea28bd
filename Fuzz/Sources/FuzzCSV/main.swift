// FuzzCSV: the CSV reader on arbitrary bytes: an error or a table, never a crash (FuzzChecks.csv).

import GroveFuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzChecks.csv(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}
