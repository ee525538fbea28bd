// PredictView: a predict request decoded with the lazy twin and read in place: the allocation-free hot paths.

import CGroveProto
import CProtobufC

/// A predict request decoded into an arena with the lazy twin `LazyRequest`
/// (proto/grove/v1/lazy.proto): the same as protobuf-c's real `Request` except that each raw
/// record is left as its bytes (`RawRecordsView`), read later by `RecordScanner`.
///
/// Decode one only when `RequestShape.isSinglePredict(body)`: then, for a request holding no
/// record, the view reads exactly what the real `Request` would hold, and for one holding records,
/// it does once every record has been scanned to its end. Valid only until the arena is reset
/// (as `RequestView`; debug builds check it).
public struct PredictView {
    private let message: ArenaMessage<Grove__V1__LazyRequest>

    /// Decodes `body` into `arena` (which the caller resets after use).
    public init(decoding body: UnsafeRawBufferPointer, arena: Arena) throws(MessageDecodeError) {
        message = ArenaMessage(try WirePack.unpack(body, arena: arena, message: "Request", grove__v1__lazy_request__unpack), in: arena)
    }

    /// The decoded message (in debug builds, after checking that the arena still holds it).
    fileprivate var c: UnsafeMutablePointer<Grove__V1__LazyRequest> { message.pointer }

    public var id: UInt64 { c.pointee.id }

    /// The caller's budget in microseconds (0: none).
    public var timeoutMicros: UInt64 { c.pointee.timeout_micros }

    /// Whether the request holds no raw record (then this view reads all that the real
    /// `Request` holds, so its errors are the request's).
    public var holdsNoRecord: Bool {
        guard let p = c.pointee.predict?.pointee else { return true }
        return p.n_records == 0
    }

    /// The API key's bytes, valid while the view is; checked (no NUL, UTF-8) so that a key is
    /// never compared cut short.
    public func apiKey() throws(MessageDecodeError) -> UnsafeBufferPointer<UInt8> {
        try WireText.apiKey(c.pointee.api_key)
    }

    /// The predict call's parts when this is a predict with dense rows only and no value
    /// missing (NaN); nil otherwise: rows with missing values carry input notes, which the
    /// ordinary path builds. Throws when the model selector's text is not valid.
    public func densePredict() throws(MessageDecodeError) -> DensePredict? {
        guard c.pointee.call_case == GROVE__V1__LAZY_REQUEST__CALL_PREDICT, let p = c.pointee.predict?.pointee,
              p.n_records == 0, p.n_dense > 0, let dense = p.dense else { return nil }
        let values = UnsafeBufferPointer(start: dense, count: p.n_dense)
        if PredictRequestReader.containsNaN(UnsafeRawBufferPointer(values)) { return nil }
        let selector = try SelectorBytes(p.model)
        return DensePredict(modelName: selector.name, version: selector.version, label: selector.label,
                            dense: values, labelsOnly: p.labels_only != 0, reasons: Int(p.reasons))
    }

    /// The parts of a dense predict call, pointing into the arena.
    public struct DensePredict {
        public let modelName: UnsafeBufferPointer<UInt8>
        /// 0 when not given.
        public let version: UInt64
        /// Empty when not given.
        public let label: UnsafeBufferPointer<UInt8>
        /// No value is NaN.
        public let dense: UnsafeBufferPointer<Double>
        public let labelsOnly: Bool
        /// Inline reasons asked per row (`PredictRequest.reasons`; 0: none).
        public let reasons: Int
    }

    /// The predict call's parts when this is a predict with raw records only and no inline
    /// reasons; nil otherwise, or when the selector's text is not valid. The records are not
    /// checked here: the caller answers from them only when every record scans to its end and
    /// every name and text matches one the model knows, and otherwise lets the ordinary path
    /// decode the request again (which checks and reports everything).
    public func recordPredict() -> RecordPredict? {
        guard c.pointee.call_case == GROVE__V1__LAZY_REQUEST__CALL_PREDICT, let p = c.pointee.predict?.pointee,
              p.n_dense == 0, p.n_records > 0, p.reasons == 0, p.records != nil else { return nil }
        // An invalid selector: the ordinary path reports it (after checking what it checks first).
        guard let selector = try? SelectorBytes(p.model) else { return nil }
        return RecordPredict(modelName: selector.name, version: selector.version, label: selector.label,
                             records: RawRecordsView(count: p.n_records, records: p.records), labelsOnly: p.labels_only != 0)
    }

    /// The parts of a raw-record predict call, pointing into the arena.
    public struct RecordPredict {
        public let modelName: UnsafeBufferPointer<UInt8>
        /// 0 when not given.
        public let version: UInt64
        /// Empty when not given.
        public let label: UnsafeBufferPointer<UInt8>
        public let records: RawRecordsView
        public let labelsOnly: Bool
    }
}

extension PredictView {
    /// Every record of the predict call, whatever else the request holds (for the differential
    /// checks; the hot path reads them through `recordPredict()`).
    package var allRecords: RawRecordsView {
        guard let p = c.pointee.predict?.pointee else { return RawRecordsView(count: 0, records: nil) }
        return RawRecordsView(count: p.n_records, records: p.records)
    }
}
