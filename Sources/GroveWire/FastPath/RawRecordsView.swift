// RawRecordsView: a request's raw records as their wire bytes (from the lazy twin), read field by field in place.

import CProtobufC

/// The `records` of a predict request, each record's bytes as sent: decoded with the lazy twin
/// (`PredictView`, an array of bytes in the arena) or left in the frame (`PredictRequestReader`,
/// the predict call's bytes, whose field-3 members are the records), valid while the arena or the
/// frame is. Nothing is checked here: a record's fields are read with `RecordScanner` (which
/// checks the bytes as protobuf-c would); names and texts are the bytes sent, which the caller
/// matches against known UTF-8 strings (a match is valid text), sending anything else down the
/// ordinary path, which checks and reports it.
public struct RawRecordsView {
    @usableFromInline enum Storage {
        /// The lazy twin's array of `count` records.
        case decoded(UnsafeMutablePointer<ProtobufCBinaryData>?)
        /// A predict call's bytes from its first record on, framed as protobuf-c accepts
        /// (checked by the reader), whose length-delimited field-3 members are the `count` records.
        case inPlace(UnsafeBufferPointer<UInt8>)
    }

    @usableFromInline let storage: Storage
    /// Number of records (rows).
    public let count: Int

    init(count: Int, records: UnsafeMutablePointer<ProtobufCBinaryData>?) {
        self.count = records == nil ? 0 : count
        storage = .decoded(records)
    }

    init(count: Int, inPlace predict: UnsafeBufferPointer<UInt8>) {
        self.count = count
        storage = .inPlace(predict)
    }

    /// The records' bytes in order, from the first.
    @inlinable
    public func makeIterator() -> Iterator { Iterator(self) }

    /// Yields each record's bytes in order (nil after the last).
    public struct Iterator {
        @usableFromInline let view: RawRecordsView
        @usableFromInline var row = 0
        @usableFromInline var cursor: WireCursor

        @inlinable
        init(_ view: RawRecordsView) {
            self.view = view
            if case let .inPlace(bytes) = view.storage { cursor = WireCursor(bytes) } else { cursor = WireCursor(UnsafeBufferPointer(start: nil, count: 0)) }
        }

        @inlinable
        public mutating func next() -> UnsafeBufferPointer<UInt8>? {
            guard row < view.count else { return nil }
            row += 1
            switch view.storage {
            case let .decoded(records):
                guard let r = records?[row - 1] else { return nil }
                return WireText.bytes(r)
            case .inPlace:
                while !cursor.isAtEnd {
                    guard let f = cursor.next() else { return nil }
                    if f.number == 3 && f.wireType == WireCursor.lengthDelimited { return f.bytes }
                }
                return nil
            }
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
