// StatsResponse: counters and latency percentiles, per model version.

public struct StatsResponse: Equatable, Sendable {
    public var uptimeSeconds: Double
    public var connectionsOpen: UInt64
    public var connectionsTotal: UInt64
    public var requestsTotal: UInt64
    public var errorsTotal: UInt64
    public var models: [ModelStats]
    /// Key-file reloads that found an invalid file (the last valid keys stayed in force).
    public var keyReloadFailures: UInt64
    /// Why the key file on disk is refused; empty when it is valid (or there is none).
    public var keyFileError: String

    public init(uptimeSeconds: Double = 0, connectionsOpen: UInt64 = 0, connectionsTotal: UInt64 = 0,
                requestsTotal: UInt64 = 0, errorsTotal: UInt64 = 0, models: [ModelStats] = [],
                keyReloadFailures: UInt64 = 0, keyFileError: String = "") {
        self.keyReloadFailures = keyReloadFailures
        self.keyFileError = keyFileError
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
