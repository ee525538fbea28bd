// RawRecordsView: a request's raw records as their wire bytes (from the lazy twin), read field by field in place.

import CProtobufC

/// The `records` of a predict request decoded with the lazy twin (`PredictView`): each record's
/// bytes as sent, valid while the arena holding the request is. Nothing is checked here: a
/// record's fields are read with `scanner(row)` (which checks the bytes as protobuf-c would);
/// names and texts are the bytes sent, which the caller matches against known UTF-8 strings (a
/// match is valid text), sending anything else down the ordinary path, which checks and reports it.
public struct RawRecordsView {
    @usableFromInline let records: UnsafeMutablePointer<ProtobufCBinaryData>?
    /// Number of records (rows).
    public let count: Int

    init(count: Int, records: UnsafeMutablePointer<ProtobufCBinaryData>?) {
        self.count = records == nil ? 0 : count
        self.records = records
    }

    /// A reader of record `row`'s fields (`row < count`).
    @inlinable
    public func scanner(_ row: Int) -> RecordScanner {
        guard let r = records?[row] else { return RecordScanner(UnsafeBufferPointer(start: nil, count: 0)) }
        return RecordScanner(WireText.bytes(r))
    }
}

/// One field of a raw record, read in place.
public struct RawFieldView {
    public enum Kind {
        case number(Double)
        /// The bytes sent (not checked as UTF-8).
        case text(UnsafeBufferPointer<UInt8>)
        /// `missing` set, or no value at all.
        case missing
    }

    /// The name's bytes as sent (not checked as UTF-8).
    public let name: UnsafeBufferPointer<UInt8>
    public let kind: Kind

    @inlinable
    init(name: UnsafeBufferPointer<UInt8>, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
