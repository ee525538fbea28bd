// ServerConfiguration: every setting of `grove serve`, with safe defaults.

import Foundation
import GroveWire

public struct ServerConfiguration: Sendable {
    /// Model repository: REPO/NAME/VERSION/model.grove.
    public var repository: URL
    /// Address to bind. Loopback by default: exposing Grove is a decision.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (see `Server.boundAddress`).
    public var port: UInt16 = 7070
    /// Event loops (threads), one per core by default.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Maximum open client connections across all loops; beyond it a new
    /// connection is answered RESOURCE_EXHAUSTED and closed.
    public var maxConnections = 10_000
    /// Per-connection limits (frame size, timeouts, backpressure).
    public var connection = ConnectionLimits()
    /// How often the repository is rescanned for new versions (0 = only on SIGHUP).
    public var pollIntervalSeconds: Double = 2
    /// How often each loop checks its connections' deadlines.
    public var tickMillis: Int32 = 100
    /// Handle SIGTERM/SIGINT/SIGHUP (the CLI does; tests embedding a server may not).
    public var handleSignals = true
    /// API key file (`grove keys`); nil: no authentication, loopback only.
    public var keysFile: URL?
    /// When set (--trusted-signers FILE), only model versions carrying a valid signature by one
    /// of the file's keys are served; others are FAILED with the reason.
    public var trustedSignersFile: URL?
    /// Enable admin calls (labels, load/unload, uploads); they need an admin key.
    public var admin = false
    /// Allow a non-loopback bind without keys (an explicit, logged decision).
    public var insecure = false
    /// Audit log directory (one hash-chained record per prediction); nil: no audit log.
    public var auditDirectory: URL?
    /// Rotate audit files at this size.
    public var auditMaxFileBytes = 64 << 20
    /// Records queued for the audit writer before predictions are refused (UNAVAILABLE).
    public var auditQueueCapacity = 65_536
    /// Answer an audited prediction once its record is queued instead of once it is durable
    /// (--audit-async: faster, but a disk failure loses the records of the batch in flight,
    /// whose predictions were already answered).
    public var auditAsync = false
    /// Serve Prometheus metrics (`GET /metrics`, text format 0.0.4) on this HOST:PORT; nil: off.
    /// Loopback unless API keys are configured (or --insecure), like the RPC port.
    public var metricsAddress: String?
    /// After SIGTERM: answer Health NOT_SERVING (and keep serving) this long before closing the
    /// listeners, so a load balancer's health check moves traffic away first. 0: close at once.
    public var drainSeconds: Double = 0
    /// Benchmark baseline: answer every frame with itself, without decoding it
    /// (the same loop, sockets and framing, no protobuf and no model).
    public var echo = false
    /// Every prediction is strict (`PredictRequest.strict`): nothing is filled in; a row that
    /// would need a fill (missing, absent, unseen category) is INVALID_ARGUMENT (--strict-inputs).
    public var strictInputs = false

    public init(repository: URL) {
        self.repository = repository
    }
}
