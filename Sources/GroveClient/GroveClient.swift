// GroveClient: the client library's main type: endpoints, failover, deadlines, every call.

import Foundation
import GroveWire

/// A client for one or more Grove servers.
///
/// - Calls go to the current endpoint over one connection, on the calling
///   thread (the synchronous API: lowest latency). The `async` variants run
///   the same call off the caller's task.
/// - When a connection fails, the client moves to the next endpoint in the
///   list; an endpoint that failed is skipped for a backoff period that
///   doubles on each failure (50 ms up to 5 s) and resets on success.
/// - Every call has a deadline (`Configuration.timeoutSeconds`, or per call).
///   All Grove calls are idempotent, so a call whose connection broke is
///   retried on the next endpoint while its deadline allows.
/// - A server error arrives as `GroveClientError.server(Status)` with gRPC's code.
///
/// Thread-safe: calls from several threads are serialised on one connection
/// (use one client per thread, or `pipeline`, for parallelism).
public final class GroveClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Servers, tried in order.
        public var endpoints: [Endpoint]
        /// Default deadline for one call, in seconds.
        public var timeoutSeconds: Double = 5
        /// Deadline for establishing one connection.
        public var connectTimeoutSeconds: Double = 2
        /// Sent with every request (servers started with `--keys`).
        public var apiKey = ""
        /// First and largest wait before retrying a failed endpoint.
        public var initialBackoffSeconds = 0.05
        public var maxBackoffSeconds = 5.0
        /// Largest response frame accepted.
        public var maxFrameBytes = FrameLimits.absoluteMaxFrameBytes

        public init(endpoints: [Endpoint]) {
            self.endpoints = endpoints
        }
    }

    public let configuration: Configuration
    private let lock = NSLock()
    private var connection: GroveConnection?
    private var current = 0
    private var nextID: UInt64 = 1
    private var backoff: [Double]
    private var retryAfter: [UInt64]

    public init(configuration: Configuration) throws(GroveClientError) {
        guard !configuration.endpoints.isEmpty else { throw .invalidArgument("no endpoints given") }
        self.configuration = configuration
        backoff = Array(repeating: configuration.initialBackoffSeconds, count: configuration.endpoints.count)
        retryAfter = Array(repeating: 0, count: configuration.endpoints.count)
    }

    /// A client for "HOST:PORT" strings.
    public convenience init(_ endpoints: String..., timeoutSeconds: Double = 5) throws(GroveClientError) {
        var parsed: [Endpoint] = []
        for e in endpoints {
            guard let p = Endpoint(e) else { throw .invalidArgument("bad endpoint '\(e)': want HOST:PORT") }
            parsed.append(p)
        }
        var c = Configuration(endpoints: parsed)
        c.timeoutSeconds = timeoutSeconds
        try self.init(configuration: c)
    }

    /// The endpoint of the live connection, if any.
    public var connectedEndpoint: Endpoint? {
        lock.lock()
        defer { lock.unlock() }
        return connection?.endpoint
    }

    /// Closes the connection; the next call reconnects.
    public func close() {
        lock.lock()
        connection?.close()
        connection = nil
        lock.unlock()
    }

    // MARK: - Calls

    /// Checks that the server is up.
    public func health(timeoutSeconds: Double? = nil) throws(GroveClientError) -> HealthResponse {
        guard case let .health(h) = try call(.health, timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("health") }
        return h
    }

    /// Every model and the state of each version.
    public func listModels(timeoutSeconds: Double? = nil) throws(GroveClientError) -> [ModelSummary] {
        guard case let .listModels(m) = try call(.listModels, timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("list_models") }
        return m
    }

    /// A model's schema, classes, metrics and identity.
    public func modelInfo(_ model: ModelSelector, timeoutSeconds: Double? = nil) throws(GroveClientError) -> ModelInfo {
        guard case let .modelInfo(i) = try call(.modelInfo(model), timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("model_info") }
        return i
    }

    /// Scores encoded rows (row-major; a multiple of the model's feature count).
    public func predict(_ model: ModelSelector, dense: [Double], labelsOnly: Bool = false,
                        timeoutSeconds: Double? = nil) throws(GroveClientError) -> PredictResponse {
        try predict(PredictRequest(model: model, dense: dense, labelsOnly: labelsOnly), timeoutSeconds: timeoutSeconds)
    }

    /// Scores raw records through the model's stored preprocessing.
    public func predict(_ model: ModelSelector, records: [RawRecord], labelsOnly: Bool = false,
                        timeoutSeconds: Double? = nil) throws(GroveClientError) -> PredictResponse {
        try predict(PredictRequest(model: model, records: records, labelsOnly: labelsOnly), timeoutSeconds: timeoutSeconds)
    }

    public func predict(_ request: PredictRequest, timeoutSeconds: Double? = nil) throws(GroveClientError) -> PredictResponse {
        guard case let .predict(p) = try call(.predict(request), timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("predict") }
        return p
    }

    /// Server counters and per-model latency.
    public func stats(timeoutSeconds: Double? = nil) throws(GroveClientError) -> StatsResponse {
        guard case let .stats(s) = try call(.stats, timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("stats") }
        return s
    }

    /// One admin operation (servers started with --admin; needs an admin key).
    public func admin(_ op: AdminRequest, timeoutSeconds: Double? = nil) throws(GroveClientError) -> AdminResponse {
        guard case let .admin(a) = try call(.admin(op), timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("admin") }
        return a
    }

    /// Uploads a model file in chunks; the server validates it and publishes it
    /// as the model's next version, which the answer names. `sha256` is the file's
    /// SHA-256 in hex (`ModelFileCodec.sha256Hex` in GroveModelStore, or `sha256sum`):
    /// the server refuses the upload when its own digest differs. The client library
    /// takes it as an argument so that it links no cryptography.
    public func uploadModel(name: String, file bytes: [UInt8], sha256 digest: String, chunkBytes: Int = 1 << 20,
                            timeoutSeconds: Double? = nil) throws(GroveClientError) -> AdminResponse {
        guard !bytes.isEmpty, chunkBytes > 0 else { throw .invalidArgument("nothing to upload") }
        let id = "up-\(UInt64.random(in: 0...UInt64.max))"
        var offset = 0
        while true {
            let end = min(offset + chunkBytes, bytes.count)
            let last = end == bytes.count
            let chunk = UploadChunk(model: name, uploadID: id, offset: UInt64(offset), data: Array(bytes[offset..<end]),
                                    totalSize: UInt64(bytes.count), last: last, sha256: last ? digest : "")
            let answer = try admin(.upload(chunk), timeoutSeconds: timeoutSeconds)
            if last { return answer }
            offset = end
        }
    }

    /// Runs one call and returns its result, or throws the server's status.
    public func call(_ call: Request.Call, timeoutSeconds: Double? = nil) throws(GroveClientError) -> Response.Result {
        let responses = try exchange([call], timeoutSeconds: timeoutSeconds)
        return try Self.unwrap(responses[0])
    }

    /// Sends many calls at once on one connection and returns their outcomes in
    /// order; one failing call does not fail the others.
    public func pipeline(_ calls: [Request.Call], timeoutSeconds: Double? = nil) throws(GroveClientError) -> [Result<Response.Result, GroveClientError>] {
        guard !calls.isEmpty else { return [] }
        return try exchange(calls, timeoutSeconds: timeoutSeconds).map { r in
            Result { () throws(GroveClientError) in try Self.unwrap(r) }
        }
    }

    // MARK: - Async

    public func health() async throws -> HealthResponse { try await offload { try self.health() } }
    public func listModels() async throws -> [ModelSummary] { try await offload { try self.listModels() } }
    public func modelInfo(_ model: ModelSelector) async throws -> ModelInfo { try await offload { try self.modelInfo(model) } }
    public func predict(_ request: PredictRequest) async throws -> PredictResponse { try await offload { try self.predict(request) } }
    public func stats() async throws -> StatsResponse { try await offload { try self.stats() } }

    private func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    // MARK: - Connection management

    private func exchange(_ calls: [Request.Call], timeoutSeconds: Double?) throws(GroveClientError) -> [Response] {
        let deadline = Deadline.after(seconds: timeoutSeconds ?? configuration.timeoutSeconds)
        lock.lock()
        defer { lock.unlock() }
        var lastError = GroveClientError.unavailable("no endpoint reachable")
        // Each endpoint gets at most two attempts per call (reconnect once).
        for _ in 0..<(configuration.endpoints.count * 2) {
            let conn: GroveConnection
            do {
                conn = try liveConnection(deadline: deadline)
            } catch {
                if error == .deadlineExceeded { throw error }
                lastError = error
                if allBackingOff() { break }
                continue
            }
            let requests = calls.map { c -> Request in
                defer { nextID &+= 1 }
                return Request(id: nextID, apiKey: configuration.apiKey, call: c)
            }
            do {
                let responses = calls.count == 1 ? [try conn.call(requests[0], deadline: deadline)]
                                                 : try conn.pipeline(requests, deadline: deadline)
                markHealthy(current)
                return responses
            } catch {
                connection?.close()
                connection = nil
                switch error {
                case .deadlineExceeded, .protocolViolation, .unexpectedResponse: throw error
                default:
                    lastError = error
                    markFailed(current)
                    current = (current + 1) % configuration.endpoints.count
                }
            }
            if Deadline.now() >= deadline { throw .deadlineExceeded }
        }
        throw lastError
    }

    /// The open connection, or a new one to the first endpoint not in backoff.
    private func liveConnection(deadline: Deadline) throws(GroveClientError) -> GroveConnection {
        if let c = connection, c.isOpen { return c }
        connection = nil
        let n = configuration.endpoints.count
        let now = Deadline.now().nanos
        // Prefer endpoints not backing off, starting at the current one.
        var order = (0..<n).map { (current + $0) % n }.filter { retryAfter[$0] <= now }
        if order.isEmpty {
            // Everyone is backing off: try the one that will be ready first.
            order = [(0..<n).min { retryAfter[$0] < retryAfter[$1] }!]
        }
        var lastError = GroveClientError.unavailable("no endpoint reachable")
        for i in order {
            let endpoint = configuration.endpoints[i]
            let remaining = Double(deadline.nanos &- min(deadline.nanos, Deadline.now().nanos)) / 1e9
            guard remaining > 0 else { throw .deadlineExceeded }
            do {
                let c = try GroveConnection(endpoint: endpoint,
                                            timeoutSeconds: min(configuration.connectTimeoutSeconds, remaining),
                                            limits: FrameLimits(maxFrameBytes: configuration.maxFrameBytes))
                connection = c
                current = i
                return c
            } catch {
                lastError = error
                markFailed(i)
            }
        }
        throw lastError
    }

    private func allBackingOff() -> Bool {
        let now = Deadline.now().nanos
        return retryAfter.allSatisfy { $0 > now }
    }

    private func markFailed(_ i: Int) {
        retryAfter[i] = Deadline.now().nanos &+ UInt64(backoff[i] * 1e9)
        backoff[i] = min(backoff[i] * 2, configuration.maxBackoffSeconds)
    }

    private func markHealthy(_ i: Int) {
        backoff[i] = configuration.initialBackoffSeconds
        retryAfter[i] = 0
    }

    private static func unwrap(_ r: Response) throws(GroveClientError) -> Response.Result {
        guard r.status.code == .ok else { throw .server(r.status) }
        guard let result = r.result else { throw .unexpectedResponse("OK status without a result") }
        return result
    }

    private static func wrongKind(_ call: String) -> GroveClientError {
        .unexpectedResponse("the answer is not a \(call) result")
    }
}
