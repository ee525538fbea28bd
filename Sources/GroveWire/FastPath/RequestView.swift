// RequestView: a decoded request read in place from protobuf-c's structs: the allocation-free hot path.

import CGroveProto
import CProtobufC

/// A request decoded into an arena, read without copying into Swift values.
///
/// Valid only until the arena it was decoded into is reset: use it, answer,
/// and drop it within one dispatch. Everything that is not the dense-predict
/// hot path converts to the ordinary `Request` with `materialize()`. Debug builds
/// enforce the rule: reading a view after its arena was reset stops the process.
public struct RequestView {
    private let message: UnsafeMutablePointer<Grove__V1__Request>
    #if DEBUG
    private let arena: Arena
    private let arenaGeneration: UInt64
    #endif

    /// Decodes `body` into `arena` (which the caller resets after use).
    public init(decoding body: UnsafeRawBufferPointer, arena: Arena) throws(MessageDecodeError) {
        message = try WirePack.unpack(body, arena: arena, message: "Request", grove__v1__request__unpack)
        #if DEBUG
        self.arena = arena
        arenaGeneration = arena.generation
        #endif
    }

    /// The decoded message, after (in debug builds) checking that the arena still holds it.
    private var c: UnsafeMutablePointer<Grove__V1__Request> {
        #if DEBUG
        precondition(arena.generation == arenaGeneration, "RequestView read after its arena was reset")
        #endif
        return message
    }

    public var id: UInt64 { c.pointee.id }

    /// The caller's budget in microseconds (0: none).
    public var timeoutMicros: UInt64 { c.pointee.timeout_micros }

    /// The call's name (for counting), without materializing the request.
    public var callName: String {
        switch c.pointee.call_case {
        case GROVE__V1__REQUEST__CALL_HEALTH: return "health"
        case GROVE__V1__REQUEST__CALL_LIST_MODELS: return "list_models"
        case GROVE__V1__REQUEST__CALL_MODEL_INFO: return "model_info"
        case GROVE__V1__REQUEST__CALL_PREDICT: return "predict"
        case GROVE__V1__REQUEST__CALL_EXPLAIN: return "explain"
        case GROVE__V1__REQUEST__CALL_STATS: return "stats"
        case GROVE__V1__REQUEST__CALL_ADMIN: return "admin"
        default: return "unknown"
        }
    }

    /// The API key's bytes, valid while the view is; checked (no NUL, UTF-8) so that a key is
    /// never compared cut short.
    public func apiKey() throws(MessageDecodeError) -> UnsafeBufferPointer<UInt8> {
        let key = WireText.bytes(c.pointee.api_key)
        try WireText.check(key, field: "Request.api_key")
        return key
    }

    /// The predict call's parts when this is a predict with dense rows only, no inline reasons
    /// and no value missing (NaN); nil otherwise: rows with missing values carry input notes,
    /// which the ordinary path builds. Throws when the model selector's text is not valid.
    public func densePredict() throws(MessageDecodeError) -> DensePredict? {
        guard c.pointee.call_case == GROVE__V1__REQUEST__CALL_PREDICT, let p = c.pointee.predict?.pointee,
              p.n_records == 0, p.n_dense > 0, p.reasons == 0, let dense = p.dense else { return nil }
        let values = UnsafeBufferPointer(start: dense, count: p.n_dense)
        for x in values where x.isNaN { return nil }
        let model = p.model?.pointee
        let name = model.map { WireText.bytes($0.name) } ?? UnsafeBufferPointer(start: nil, count: 0)
        let label = model.map { WireText.bytes($0.label) } ?? UnsafeBufferPointer(start: nil, count: 0)
        try WireText.check(name, field: "ModelSelector.name")
        try WireText.check(label, field: "ModelSelector.label")
        return DensePredict(modelName: name, version: model?.version ?? 0, label: label,
                            dense: values, labelsOnly: p.labels_only != 0)
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
    }

    /// The predict call's parts when this is a predict with raw records only and no inline
    /// reasons; nil otherwise. The records are not checked here: the caller answers from them
    /// only when every name and text matches one the model knows, and otherwise materializes
    /// the request (which checks everything), as it does when the selector's text is not valid.
    public func recordPredict() -> RecordPredict? {
        guard c.pointee.call_case == GROVE__V1__REQUEST__CALL_PREDICT, let p = c.pointee.predict?.pointee,
              p.n_dense == 0, p.n_records > 0, p.reasons == 0, p.records != nil else { return nil }
        let model = p.model?.pointee
        let name = model.map { WireText.bytes($0.name) } ?? UnsafeBufferPointer(start: nil, count: 0)
        let label = model.map { WireText.bytes($0.label) } ?? UnsafeBufferPointer(start: nil, count: 0)
        do {
            try WireText.check(name, field: "ModelSelector.name")
            try WireText.check(label, field: "ModelSelector.label")
        } catch {
            return nil  // the ordinary path reports it (after checking what it checks first)
        }
        return RecordPredict(modelName: name, version: model?.version ?? 0, label: label,
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

    /// The ordinary Swift value (allocates; for every call but the hot path).
    public func materialize() throws(MessageDecodeError) -> Request { try Request(c.pointee) }
}
