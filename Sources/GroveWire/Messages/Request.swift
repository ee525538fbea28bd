// Request: one call from a client, as a Swift value.

/// A call to the server. `call` is nil when the request named no call or a
/// call this build does not know (the server answers UNIMPLEMENTED).
public struct Request: Equatable, Sendable {
    public var id: UInt64
    public var apiKey: String
    public var call: Call?

    public init(id: UInt64, apiKey: String = "", call: Call?) {
        self.id = id
        self.apiKey = apiKey
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
    }
}
