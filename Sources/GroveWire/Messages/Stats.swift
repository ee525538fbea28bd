// StatsResponse: counters and latency percentiles, per model version.

public struct StatsResponse: Equatable, Sendable {
    public var uptimeSeconds: Double
    public var connectionsOpen: UInt64
    public var connectionsTotal: UInt64
    public var requestsTotal: UInt64
    public var errorsTotal: UInt64
    public var models: [ModelStats]

    public init(uptimeSeconds: Double = 0, connectionsOpen: UInt64 = 0, connectionsTotal: UInt64 = 0,
                requestsTotal: UInt64 = 0, errorsTotal: UInt64 = 0, models: [ModelStats] = []) {
        self.uptimeSeconds = uptimeSeconds
        self.connectionsOpen = connectionsOpen
        self.connectionsTotal = connectionsTotal
        self.requestsTotal = requestsTotal
        self.errorsTotal = errorsTotal
        self.models = models
    }
}

public struct ModelStats: Equatable, Sendable {
    public var name: String
    public var version: UInt64
    public var requests: UInt64
    public var rows: UInt64
    public var errors: UInt64
    public var latencyP50Micros: Double
    public var latencyP90Micros: Double
    public var latencyP99Micros: Double
    public var latencyP999Micros: Double
    public var latencyMaxMicros: Double

    public init(name: String, version: UInt64, requests: UInt64 = 0, rows: UInt64 = 0, errors: UInt64 = 0,
                latencyP50Micros: Double = 0, latencyP90Micros: Double = 0, latencyP99Micros: Double = 0,
                latencyP999Micros: Double = 0, latencyMaxMicros: Double = 0) {
        self.name = name
        self.version = version
        self.requests = requests
        self.rows = rows
        self.errors = errors
        self.latencyP50Micros = latencyP50Micros
        self.latencyP90Micros = latencyP90Micros
        self.latencyP99Micros = latencyP99Micros
        self.latencyP999Micros = latencyP999Micros
        self.latencyMaxMicros = latencyMaxMicros
    }
}
