// RequestView: a decoded request read in place from protobuf-c's structs: the allocation-free hot path.

import CGroveProto
import CProtobufC

/// A request decoded into an arena, read without copying into Swift values.
///
/// Valid only until the arena it was decoded into is reset: use it, answer,
/// and drop it within one dispatch. The ordinary path: it reads the id, deadline and key
/// in place and converts the rest to the ordinary `Request` with `materialize()` (the predict
/// hot paths read `PredictView` instead; the Explain hot path reads `denseExplain()`). Debug builds enforce the rule: reading a view after
/// its arena was reset stops the process.
public struct RequestView {
    private let message: ArenaMessage<Grove__V1__Request>

    /// Decodes `body` into `arena` (which the caller resets after use).
    public init(decoding body: UnsafeRawBufferPointer, arena: Arena) throws(MessageDecodeError) {
        message = ArenaMessage(try WirePack.unpack(body, arena: arena, message: "Request", grove__v1__request__unpack), in: arena)
    }

    /// The decoded message (in debug builds, after checking that the arena still holds it).
    private var c: UnsafeMutablePointer<Grove__V1__Request> { message.pointer }

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
        try WireText.apiKey(c.pointee.api_key)
    }

    /// The ordinary Swift value (allocates; for every call but the hot path).
    public func materialize() throws(MessageDecodeError) -> Request { try Request(c.pointee) }

    /// The explain call's parts when this is an explain of dense rows only, no value missing
    /// (NaN), for the default class (no `class_label`), with a valid selector; nil otherwise
    /// (the ordinary path answers it, and reports what is wrong).
    public func denseExplain() -> DenseExplain? {
        guard c.pointee.call_case == GROVE__V1__REQUEST__CALL_EXPLAIN, let e = c.pointee.explain?.pointee,
              e.n_records == 0, e.n_dense > 0, let dense = e.dense, e.class_label.len == 0 else { return nil }
        let values = UnsafeBufferPointer(start: dense, count: e.n_dense)
        if PredictRequestReader.containsNaN(UnsafeRawBufferPointer(values)) { return nil }
        guard let selector = try? SelectorBytes(e.model) else { return nil }
        return DenseExplain(selector: selector, dense: values, topK: Int(e.top_k),
                            contributions: e.contributions != 0, encodedFeatures: e.encoded_features != 0)
    }

    /// The parts of a dense explain call, pointing into the arena.
    public struct DenseExplain {
        public let selector: SelectorBytes
        /// No value is NaN.
        public let dense: UnsafeBufferPointer<Double>
        /// 0: the default.
        public let topK: Int
        public let contributions: Bool
        public let encodedFeatures: Bool
    }
}
