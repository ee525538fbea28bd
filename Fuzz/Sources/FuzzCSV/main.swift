// FuzzCSV: the CSV reader on arbitrary bytes: an error or a table, never a crash.

import GroveForest

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let table = try? CSVReader.parse(bytes) {
        for c in table.columns where c.count != table.rowCount { fatalError("ragged table") }
    }
    return 0
}
