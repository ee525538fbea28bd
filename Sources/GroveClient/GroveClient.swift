// GroveClient: the client library's main type: endpoints, balancing, failover, deadlines, every call.

import Foundation
import GroveWire

/// A client for one or more Grove servers.
///
/// Guarantees (see README, "Running in production"):
/// - Balancing: each call goes to one healthy endpoint chosen by `Configuration.balancing`
///   (`.firstAvailable`, `.roundRobin`, `.leastOutstanding`). Connections are kept open and
///   reused, one per call in flight, so calls from several threads run in parallel.
/// - Ejection: an endpoint whose connection fails (refused, reset, closed) gets no calls for a
///   backoff (`initialBackoffSeconds`, doubling per failure up to `maxBackoffSeconds`); it is
///   then probed with a Health call and takes calls again only when it answers SERVING. A
///   server's error answer (NOT_FOUND, ...) does not eject it.
/// - Failover: a call that could not connect tries the next healthy endpoint (nothing was sent),
///   as does a call whose new connection the server refused (RESOURCE_EXHAUSTED at its
///   `--max-connections`, answered with id 0 before reading any request); both eject the endpoint.
/// - Retry: a call whose connection failed after it was sent, before any byte of its answer
///   arrived, is sent again once, to another endpoint when there is one: every call but admin
///   (Predict, Explain, Health, ModelInfo, ListModels, Stats are idempotent; an admin call is
///   never repeated, its error is returned). A call that received part of its answer, timed
///   out, or got a malformed answer is not retried.
/// - Deadlines: every call has one (`Configuration.timeoutSeconds`, or per call), covering
///   connecting, retrying and waiting; the time left is sent with the request
///   (`Request.timeout_micros`), so the server drops a call that waited past it in its queue.
/// - A server error arrives as `GroveClientError.server(Status)` with gRPC's code.
///
/// Thread-safe.
public final class GroveClient: @unchecked Sendable {  // every mutable field is read and written under `lock`
    public struct Configuration: Sendable {
        /// Servers (the order matters for `.firstAvailable`).
        public var endpoints: [Endpoint]
        /// How calls are spread over healthy endpoints.
        public var balancing = BalancingPolicy.firstAvailable
        /// Default deadline for one call, in seconds.
        public var timeoutSeconds: Double = 5
        /// Deadline for establishing one connection.
        public var connectTimeoutSeconds: Double = 2
        /// Deadline for the Health probe of an ejected endpoint.
        public var probeTimeoutSeconds: Double = 1
        /// Sent with every request (servers started with `--keys`).
        public var apiKey = ""
        /// First and largest wait before probing a failed endpoint.
        public var initialBackoffSeconds = 0.05
        public var maxBackoffSeconds = 5.0
        /// Largest response frame accepted.
        public var maxFrameBytes = FrameLimits.absoluteMaxFrameBytes

        public init(endpoints: [Endpoint]) {
            self.endpoints = endpoints
        }
    }

    /// What the client did since it was made (for load tests and monitoring).
    public struct Counters: Sendable, Equatable {
        /// Calls (or pipelines) started.
        public var calls: UInt64 = 0
        /// Calls sent a second time after their connection failed before any answer byte.
        public var retries: UInt64 = 0
        /// Endpoints ejected after a connection failure.
        public var ejections: UInt64 = 0
        /// Health probes of ejected endpoints, and how many found them SERVING.
        public var probes: UInt64 = 0
        public var probesServing: UInt64 = 0
    }

    public let configuration: Configuration
    // NSLock, not Synchronization's Mutex: the idle pool holds `GroveConnection`s, which are
    // not Sendable, and `Mutex.withLock` hands its state over as `inout sending`, so putting a
    // connection back into the pool is refused by Swift 6.3's region checker ("'inout sending'
    // parameter cannot be task-isolated at end of function"), even for a `sending` connection;
    // Mutex would need an unchecked box around each connection, no safer than this lock.
    private let lock = NSLock()
    private var balancer: EndpointBalancer
    /// Open connections not in use, per endpoint.
    private var idle: [[GroveConnection]]
    private var lastUsed: Endpoint?
    private var nextID: UInt64 = 1
    private var counts = Counters()

    public init(configuration: Configuration) throws(GroveClientError) {
        guard !configuration.endpoints.isEmpty else { throw .invalidArgument("no endpoints given") }
        self.configuration = configuration
        balancer = EndpointBalancer(endpoints: configuration.endpoints.count, policy: configuration.balancing,
                                    initialBackoffNanos: UInt64(max(0, configuration.initialBackoffSeconds) * 1e9),
                                    maxBackoffNanos: UInt64(max(0, configuration.maxBackoffSeconds) * 1e9))
        idle = Array(repeating: [], count: configuration.endpoints.count)
    }

    /// A client for "HOST:PORT" strings.
    public convenience init(_ endpoints: String..., timeoutSeconds: Double = 5, balancing: BalancingPolicy = .firstAvailable) throws(GroveClientError) {
        var parsed: [Endpoint] = []
        for e in endpoints {
            guard let p = Endpoint(e) else { throw .invalidArgument("bad endpoint '\(e)': want HOST:PORT") }
            parsed.append(p)
        }
        var c = Configuration(endpoints: parsed)
        c.timeoutSeconds = timeoutSeconds
        c.balancing = balancing
        try self.init(configuration: c)
    }

    /// The endpoint that answered the last call, if any.
    public var connectedEndpoint: Endpoint? {
        lock.lock()
        defer { lock.unlock() }
        return lastUsed
    }

    /// What the client did so far.
    public var counters: Counters {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    /// Whether endpoint `i` currently takes calls (not ejected or being probed).
    public func isHealthy(endpoint i: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return balancer.isHealthy(i)
    }

    /// Calls in flight on endpoint `i` from this client.
    public func outstanding(endpoint i: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return balancer.outstanding(i)
    }

    /// Closes the idle connections; the next call reconnects.
    public func close() {
        lock.lock()
        let all = idle.flatMap { $0 }
        idle = Array(repeating: [], count: configuration.endpoints.count)
        lock.unlock()
        for c in all { c.close() }
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

    /// Exact SHAP values and reason codes for rows (see `ExplainRequest`), computed by
    /// the version that answers (named in the response).
    public func explain(_ request: ExplainRequest, timeoutSeconds: Double? = nil) throws(GroveClientError) -> ExplainResponse {
        guard case let .explain(e) = try call(.explain(request), timeoutSeconds: timeoutSeconds) else { throw Self.wrongKind("explain") }
        return e
    }

    /// Reason codes (`topK`, default 4) and every input column's contribution for raw records.
    public func explain(_ model: ModelSelector, records: [RawRecord], topK: UInt32 = 0,
                        timeoutSeconds: Double? = nil) throws(GroveClientError) -> ExplainResponse {
        try explain(ExplainRequest(model: model, records: records, topK: topK, contributions: true), timeoutSeconds: timeoutSeconds)
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
    public func explain(_ request: ExplainRequest) async throws -> ExplainResponse { try await offload { try self.explain(request) } }

    private func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    // MARK: - Balancing, failover and retry

    private func exchange(_ calls: [Request.Call], timeoutSeconds: Double?) throws(GroveClientError) -> [Response] {
        let deadline = Deadline.after(seconds: timeoutSeconds ?? configuration.timeoutSeconds)
        let retryable = calls.allSatisfy(\.isIdempotent)
        var avoiding: Int?
        var retried = false
        var failure: GroveClientError?
        withLock { counts.calls &+= 1 }
        while true {
            let now = Deadline.now()
            if now >= deadline { throw .deadlineExceeded }
            let avoid = avoiding
            avoiding = nil
            switch withLock({ balancer.choose(now: now.nanos, avoiding: avoid) }) {
            case let .waitUntil(t):
                // Every endpoint is ejected. Having failed already in this call: say why now.
                if let failure { throw failure }
                guard t < deadline.nanos else { throw .unavailable("every endpoint is down (backing off)") }
                usleep(UInt32(min((t - now.nanos) / 1000 + 1, 1_000_000)))
            case let .probe(i):
                let serving = probe(i, deadline: deadline)
                withLock {
                    counts.probes &+= 1
                    if serving { counts.probesServing &+= 1 }
                    balancer.probeFinished(i, serving: serving, now: Deadline.now().nanos)
                }
            case let .use(i):
                let conn: GroveConnection
                do {
                    // The retry takes a new connection, never a pooled one: another thread may have
                    // pooled a connection that a load balancer had routed to the same restarting
                    // server after this call's failure cleared the pool (seen in make cluster-test).
                    conn = try connection(to: i, deadline: deadline, fresh: retried)
                } catch {
                    endCall(i, connectionFailed: true)
                    if error == .deadlineExceeded { throw error }
                    failure = error      // nothing was sent: another endpoint, if one is healthy
                    continue
                }
                let before = conn.bytesReceived
                do {
                    let responses = try exchange(calls, on: conn, deadline: deadline)
                    withLock {
                        idle[i].append(conn)
                        lastUsed = conn.endpoint
                        balancer.finished(i, connectionFailed: false, now: Deadline.now().nanos)
                    }
                    return responses
                } catch {
                    conn.close()
                    if case let .server(status) = error, status.isConnectionLimit, conn.responsesReceived == 1 {
                        // The connection's first answer, with id 0, refused it (the server is at
                        // --max-connections) before any request was read: as a failed connect, nothing
                        // was computed, and another endpoint may take the calls. Other id-0 refusals
                        // (a first frame too large or too complex to decode) are about the request:
                        // every endpoint would refuse it, so it is not sent again and no endpoint is
                        // ejected for it.
                        endCall(i, connectionFailed: true)
                        failure = error
                        continue
                    }
                    guard case .unavailable = error else {
                        endCall(i, connectionFailed: false)
                        throw error   // deadline, or an answer we could not read: never resent
                    }
                    endCall(i, connectionFailed: true)
                    guard retryable, !retried, conn.bytesReceived == before else { throw error }
                    retried = true
                    withLock { counts.retries &+= 1 }
                    failure = error
                    avoiding = i
                }
            }
        }
    }

    /// Sends the calls on one connection (the time left as each request's budget) and reads the answers.
    private func exchange(_ calls: [Request.Call], on conn: GroveConnection, deadline: Deadline) throws(GroveClientError) -> [Response] {
        let firstID: UInt64 = withLock {
            defer { nextID &+= UInt64(calls.count) }
            return nextID
        }
        let now = Deadline.now().nanos
        let budgetMicros = deadline.nanos == .max ? 0 : max(1, (deadline.nanos &- min(now, deadline.nanos)) / 1000)
        let requests = calls.enumerated().map { k, c in
            Request(id: firstID &+ UInt64(k), apiKey: configuration.apiKey, timeoutMicros: budgetMicros, call: c)
        }
        return calls.count == 1 ? [try conn.call(requests[0], deadline: deadline)]
                                : try conn.pipeline(requests, deadline: deadline)
    }

    /// An idle connection to endpoint i, or a new one (always a new one when `fresh`).
    private func connection(to i: Int, deadline: Deadline, fresh: Bool = false) throws(GroveClientError) -> GroveConnection {
        while !fresh, let c = withLock({ idle[i].popLast() }) {
            if c.isOpen { return c }
        }
        let remaining = Double(deadline.nanos &- min(deadline.nanos, Deadline.now().nanos)) / 1e9
        guard remaining > 0 else { throw .deadlineExceeded }
        return try GroveConnection(endpoint: configuration.endpoints[i],
                                   timeoutSeconds: min(configuration.connectTimeoutSeconds, remaining),
                                   limits: FrameLimits(maxFrameBytes: configuration.maxFrameBytes))
    }

    /// Health on a fresh connection to endpoint i: true when it answers SERVING (the connection is kept).
    private func probe(_ i: Int, deadline: Deadline) -> Bool {
        let probeDeadline = min(deadline, Deadline.after(seconds: configuration.probeTimeoutSeconds))
        do {
            let conn = try connection(to: i, deadline: probeDeadline)
            let id: UInt64 = withLock { defer { nextID &+= 1 }; return nextID }
            let answer = try conn.call(Request(id: id, apiKey: configuration.apiKey, call: .health), deadline: probeDeadline)
            guard case let .health(h)? = answer.result, h.status == .serving else {
                conn.close()
                return false
            }
            withLock { idle[i].append(conn) }
            return true
        } catch {
            return false
        }
    }

    private func endCall(_ i: Int, connectionFailed: Bool) {
        withLock {
            if connectionFailed && balancer.isHealthy(i) { counts.ejections &+= 1 }
            balancer.finished(i, connectionFailed: connectionFailed, now: Deadline.now().nanos)
            if connectionFailed {
                // Its other idle connections are likely dead too (a restarted server).
                for c in idle[i] { c.close() }
                idle[i].removeAll()
            }
        }
    }

    private func withLock<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
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
