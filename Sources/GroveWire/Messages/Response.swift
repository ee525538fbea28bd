// Response: the server's answer to one request, as a Swift value.

/// The answer to one request. When `status.code != .ok`, `result` is nil.
public struct Response: Equatable, Sendable {
    public var id: UInt64
    public var status: Status
    public var result: Result?

    public init(id: UInt64, status: Status = .ok, result: Result? = nil) {
        self.id = id
        self.status = status
        self.result = result
    }

    /// An error answer.
    public static func failure(id: UInt64, _ status: Status) -> Response {
        Response(id: id, status: status, result: nil)
    }

    public enum Result: Equatable, Sendable {
        case health(HealthResponse)
        case listModels([ModelSummary])
        case modelInfo(ModelInfo)
        case predict(PredictResponse)
        case stats(StatsResponse)
        case explain(ExplainResponse)
        case admin(AdminResponse)
    }
}
