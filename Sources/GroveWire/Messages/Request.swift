// Request: one call from a client, as a Swift value.

/// A call to the server. `call` is nil when the request named no call or a
/// call this build does not know (the server answers UNIMPLEMENTED).
public struct Request: Equatable, Sendable {
    public var id: UInt64
    public var apiKey: String
    /// The caller's remaining budget in microseconds (0: none); the server answers
    /// DEADLINE_EXCEEDED, without computing, a request that waited past it.
    public var timeoutMicros: UInt64
    public var call: Call?

    public init(id: UInt64, apiKey: String = "", timeoutMicros: UInt64 = 0, call: Call?) {
        self.id = id
        self.apiKey = apiKey
        self.timeoutMicros = timeoutMicros
        self.call = call
    }

    /// The calls of protocol version 1.
    public enum Call: Equatable, Sendable {
        case health
        case listModels
        case modelInfo(ModelSelector)
        case predict(PredictRequest)
        case stats
        case explain(ExplainRequest)
        case admin(AdminRequest)

        /// The call's name as logs and stats show it.
        public var name: String {
            switch self {
            case .health: return "health"
            case .listModels: return "list_models"
            case .modelInfo: return "model_info"
            case .predict: return "predict"
            case .stats: return "stats"
            case .explain: return "explain"
            case .admin: return "admin"
            }
        }

        /// Safe to send again when no byte of its answer arrived: every call but admin
        /// (an admin call changes the repository; the client never repeats it).
        public var isIdempotent: Bool {
            if case .admin = self { return false }
            return true
        }
    }
}
