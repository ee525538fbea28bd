// HealthResponse: whether the server is serving, and a few facts about it.

public struct HealthResponse: Equatable, Sendable {
    public enum ServingStatus: UInt32, Sendable {
        case unknown = 0
        case serving = 1
        /// Not taking new work: draining, audit log failed, or no model AVAILABLE (see `reason`).
        case notServing = 2
    }

    public var status: ServingStatus
    public var modelsAvailable: UInt32
    public var serverVersion: String
    public var uptimeSeconds: Double
    /// Why the status is NOT_SERVING; empty when SERVING.
    public var reason: String

    public init(status: ServingStatus, modelsAvailable: UInt32 = 0, serverVersion: String = "", uptimeSeconds: Double = 0,
                reason: String = "") {
        self.status = status
        self.modelsAvailable = modelsAvailable
        self.serverVersion = serverVersion
        self.uptimeSeconds = uptimeSeconds
        self.reason = reason
    }
}
