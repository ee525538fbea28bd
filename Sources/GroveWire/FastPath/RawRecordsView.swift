// RawRecordsView: a request's raw records read in place from protobuf-c's structs, for the allocation-free record path.

import CGroveProto
import CProtobufC

/// The `records` of a decoded PredictRequest, valid while the arena holding the request is
/// (as `RequestView`). Names and texts are the bytes sent, unchecked: the caller matches them
/// against known UTF-8 strings (a match is valid text) and sends anything else down the
/// ordinary path, which checks and reports it. Inlinable: the record path reads every field
/// through it, twice per field at most.
public struct RawRecordsView {
    @usableFromInline let records: UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Record>?>?
    /// Number of records (rows).
    public let count: Int

    init(count: Int, records: UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Record>?>?) {
        self.count = records == nil ? 0 : count
        self.records = records
    }

    /// Number of fields of record `row` (0 for an absent record).
    @inlinable
    public func fieldCount(_ row: Int) -> Int {
        guard let r = records?[row] else { return 0 }
        return r.pointee.fields == nil ? 0 : r.pointee.n_fields
    }

    /// Field `index` of record `row` (`index < fieldCount(row)`).
    @inlinable
    public func field(_ row: Int, _ index: Int) -> RawFieldView {
        guard let f = records?[row]?.pointee.fields?[index] else { return RawFieldView(name: UnsafeBufferPointer(start: nil, count: 0), kind: .missing) }
        let name = WireText.bytes(f.pointee.name)
        switch f.pointee.value_case {
        case GROVE__V1__FIELD__VALUE_NUMBER: return RawFieldView(name: name, kind: .number(f.pointee.number))
        case GROVE__V1__FIELD__VALUE_TEXT: return RawFieldView(name: name, kind: .text(WireText.bytes(f.pointee.text)))
        default: return RawFieldView(name: name, kind: .missing)
        }
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
