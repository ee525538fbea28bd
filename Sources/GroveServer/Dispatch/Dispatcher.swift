// Dispatcher: turns one request frame into one response frame, on the loop that read it.

import Foundation
import GroveForest
import GroveModelStore
import GroveSystem
import GroveWire

/// One per event loop (its arenas are reused for every request that loop
/// handles, so steady-state dispatch allocates nothing for decoding).
final class Dispatcher {
    private unowned let server: Server
    /// Decoded requests live here until their response is written.
    let requestArena: Arena
    /// Outgoing C messages are built here. Unbounded: what is built mirrors a `Response` this
    /// loop already holds, bounded before it was computed (the row limit, the notes limit
    /// `ServedModel.maxNotesPerAnswer`), and a bounded arena could only fail half way through a
    /// message. The encoded size is checked last (`emit`).
    let responseArena = Arena(limit: .max)

    private let echo: Bool
    /// The server's audit log and key store, fixed before the loops start (`Server.start`): read
    /// from here, not through `server`, on every request. `server` is unowned and has a side
    /// table (weak references to it exist), so each access through it is an atomic increment and
    /// decrement of a reference count every loop shares: cache-line traffic between the cores.
    private let audit: AuditLog?
    private let keys: KeyStore?
    /// The loop this dispatcher belongs to (its slot in each model's statistics).
    let loopIndex: Int
    /// This loop's request counters (Stats and metrics sum every loop's).
    let counters = LoopCounters()
    /// Buffers the hot path scores into.
    private let scratch = PredictScratch()
    /// The field order of the last raw record this loop encoded.
    private let recordOrder = RecordOrder()
    /// This loop's view of the registry (no lock per request).
    private let snapshots: SnapshotReader

    init(server: Server, loopIndex: Int) {
        self.server = server
        self.loopIndex = loopIndex
        echo = server.configuration.echo
        audit = server.audit
        keys = server.keys
        snapshots = SnapshotReader(registry: server.registry)
        server.register(counters)
        // A decoded request may take several times its wire size in C structs; bound it.
        requestArena = Arena(limit: max(Arena.defaultLimit, server.configuration.connection.frame.maxFrameBytes * 8))
    }

    /// Decodes `body`, runs the call, and appends the response frame to `output`.
    ///
    /// Predictions of dense rows (with or without inline reasons) and of raw records needing no
    /// note, and Explain calls of dense rows for the default class (without an audit log), take
    /// the hot paths (`answerHotPath`): read in place, scored or explained into loop-owned
    /// buffers, packed straight into the output buffer: no allocation (a dense row's values are
    /// copied once into the loop's scratch, aligned for the walk).
    /// Everything else goes through the ordinary `Request` value.
    ///
    /// `receivedAt`: when the loop read the frame (monotonic nanoseconds). A request whose
    /// `timeout_micros` budget was spent by the time its turn comes is answered
    /// DEADLINE_EXCEEDED without being computed.
    ///
    /// Returns nil when answered, or an audited answer that may go out only once its record is
    /// durable (an audit log without --audit-async): the caller holds it, and the connection's
    /// later requests, until `finish` sends it. The loop never waits for the disk.
    func respond(to body: UnsafeRawBufferPointer, peer: SocketAddress, receivedAt: UInt64, into output: ByteBuffer) -> AwaitingAudit? {
        var awaiting: AwaitingAudit?
        let (call, code) = handle(body, peer: peer, receivedAt: receivedAt, into: output, awaiting: &awaiting)
        if awaiting == nil { counters.record(call, code) }
        return awaiting
    }

    /// Sends an audited answer once its record is durable, or UNAVAILABLE instead when the log
    /// failed first (the record is lost: the prediction is not served); false while the record is
    /// still pending (call again after the log's next progress).
    func finish(_ a: AwaitingAudit, into output: ByteBuffer) -> Bool {
        var response = a.response
        switch audit?.durability(of: a.seq) ?? .durable {
        case .pending: return false
        case .durable: break
        case let .refused(refusal): response = .failure(id: response.id, Status(.unavailable, refusal.description))
        }
        counters.record(a.call, emit(response, into: output))
        return true
    }

    /// `respond`'s work; returns what to count (nothing is written when `awaiting` is set).
    private func handle(_ body: UnsafeRawBufferPointer, peer: SocketAddress, receivedAt: UInt64,
                        into output: ByteBuffer, awaiting: inout AwaitingAudit?) -> (CallKind, StatusCode) {
        if echo {
            _ = output.writeWithUnsafeMutableBytes(minimum: FrameLimits.headerBytes + body.count) { raw in
                FrameEncoder.writeHeader(length: body.count, into: raw)
                UnsafeMutableRawBufferPointer(rebasing: raw[FrameLimits.headerBytes...]).copyMemory(from: body)
                return FrameLimits.headerBytes + body.count
            }
            return (.unknown, .ok)
        }
        if audit == nil {
            // Dense rows and raw records read in place when the reader is sure of them (it reads
            // only requests `RequestShape` accepts, and what it reads the lazy twin reads alike:
            // a request it read and did not answer goes straight to the ordinary path);
            // otherwise protobuf-c decodes the request (the lazy twin) and the same checks run
            // on its values.
            var r = PredictRequestReader.Parts()
            if PredictRequestReader.read(body, into: &r) {
                let answered = r.records.count > 0 ? answerRecordsInPlace(r, receivedAt: receivedAt, into: output)
                                                   : answerDenseInPlace(r, receivedAt: receivedAt, into: output)
                if let answered { return answered }
            } else if RequestShape.isSinglePredict(body), let answered = answerHotPath(body, receivedAt: receivedAt, into: output) {
                return answered
            }
        }
        let view: RequestView
        do {
            view = try RequestView(decoding: body, arena: requestArena)
        } catch {
            switch error {
            case .tooComplex: counters.rejected(.tooComplex)
            default: counters.rejected(.invalidMessage)
            }
            let status = Self.status(error)
            fail(id: 0, status, into: output)
            return (.unknown, status.code)
        }
        defer { requestArena.reset() }
        if Self.budgetSpent(receivedAt: receivedAt, timeoutMicros: view.timeoutMicros) {
            let waited = (MonotonicClock.now() &- receivedAt) / 1000
            fail(id: view.id, Self.deadlineExceeded(waited: waited, budget: view.timeoutMicros), into: output)
            return (CallKind(label: view.callName), .deadlineExceeded)
        }
        if audit == nil, RequestShape.isSingleExplain(body), answerExplainHotPath(view, into: output) {
            return (.explain, .ok)
        }
        let apiKey: UnsafeBufferPointer<UInt8>
        let request: Request
        do {
            apiKey = try view.apiKey()
            // Everything but the hot paths reads the ordinary value (all its text checked).
            request = try view.materialize()
        } catch {
            let status = Self.status(error)
            fail(id: view.id, status, into: output)
            return (CallKind(label: view.callName), status.code)
        }
        var keyID = "-"
        let callName = request.call?.name ?? "unknown"
        if let keys, !(apiKey.isEmpty && Keyring.answersWithoutKey(callName)) {
            switch authorize(apiKey: apiKey, call: callName, keyring: keys.keyring) {
            case let .failure(denied):
                fail(id: request.id, denied, into: output)
                return (CallKind(request.call), denied.code)
            case let .success(identity):
                keyID = identity.id
            }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var answeredBy: ServedModel?
        var response = answer(request, answeredBy: &answeredBy)
        if keys != nil, keyID == "-", case let .health(h)? = response.result {
            // Answered without a key (a load balancer's check): whether it serves and why,
            // nothing that identifies the build or its history (version, uptime, models).
            response = Response(id: response.id, result: .health(HealthResponse(
                status: h.status, modelsAvailable: 0, serverVersion: "", uptimeSeconds: 0, reason: h.reason)))
        }
        if let audit, let record = auditRecord(response, answeredBy: answeredBy, request: request, body: body,
                                                               peer: peer, keyID: keyID, started: started) {
            // Fail closed: the answer goes out only once its record is durable (unless the
            // server runs with --audit-async, which answers once the record is queued).
            switch audit.submit(record) {
            case let .failure(refusal):
                response = .failure(id: request.id, Status(.unavailable, refusal.description))
            case let .success(seq):
                if !server.configuration.auditAsync {
                    awaiting = AwaitingAudit(seq: seq, response: response, call: CallKind(request.call))
                    return (CallKind(request.call), response.status.code)
                }
            }
        }
        return (CallKind(request.call), emit(response, into: output))
    }

    /// The hot paths, for a request whose top level holds one predict call and nothing else
    /// (`RequestShape`), without an audit log: dense rows (with or without inline reasons) and
    /// raw records that need no note,
    /// decoded with the lazy twin (`PredictView`), read in place, scored into loop-owned buffers
    /// and packed straight into `output`: no allocation, no Swift copies. Returns what to count,
    /// or nil (nothing written) for the ordinary path, which decodes the request again with the
    /// real messages and answers it as if this had never run: so this path answers an error
    /// only for a request holding no record (whose twin reads all that the real message holds,
    /// with the same outcome), and raw records only once every one was scanned to its end.
    private func answerHotPath(_ body: UnsafeRawBufferPointer, receivedAt: UInt64, into output: ByteBuffer) -> (CallKind, StatusCode)? {
        let view: PredictView
        do {
            view = try PredictView(decoding: body, arena: requestArena)
        } catch {
            return nil   // the ordinary path decodes it again and reports why it cannot
        }
        defer { requestArena.reset() }
        let exact = view.holdsNoRecord
        if Self.budgetSpent(receivedAt: receivedAt, timeoutMicros: view.timeoutMicros) {
            guard exact else { return nil }
            let waited = (MonotonicClock.now() &- receivedAt) / 1000
            fail(id: view.id, Self.deadlineExceeded(waited: waited, budget: view.timeoutMicros), into: output)
            return (.predict, .deadlineExceeded)
        }
        let apiKey: UnsafeBufferPointer<UInt8>
        let dense: PredictView.DensePredict?
        do {
            apiKey = try view.apiKey()
            dense = try view.densePredict()
        } catch {
            guard exact else { return nil }
            let status = Self.status(error)
            fail(id: view.id, status, into: output)
            return (.predict, status.code)
        }
        if let dense {
            return answerDense(id: view.id, apiKey: apiKey, modelName: dense.modelName, version: dense.version, label: dense.label,
                               dense: dense.dense, labelsOnly: dense.labelsOnly, reasons: dense.reasons, into: output)
        }
        guard let p = view.recordPredict() else { return nil }
        return answerRecords(id: view.id, apiKey: apiKey, modelName: p.modelName, version: p.version, label: p.label,
                             records: p.records, labelsOnly: p.labelsOnly, into: output)
    }

    /// A raw-record predict read in place by `PredictRequestReader`: nil (nothing written) when
    /// its budget is spent (the ordinary path answers DEADLINE_EXCEEDED, as for every request
    /// holding records), else `answerRecords`.
    private func answerRecordsInPlace(_ r: PredictRequestReader.Parts, receivedAt: UInt64, into output: ByteBuffer) -> (CallKind, StatusCode)? {
        if Self.budgetSpent(receivedAt: receivedAt, timeoutMicros: r.timeoutMicros) { return nil }
        return answerRecords(id: r.id, apiKey: r.apiKey, modelName: r.modelName, version: r.version, label: r.label,
                             records: r.records, labelsOnly: r.labelsOnly, into: output)
    }

    /// Raw records, read by either reader: answered in place, as dense rows are, when they need
    /// no note; anything else about them (an error, a note, a key refused, a model not found) is
    /// the ordinary path's: nil, nothing written.
    private func answerRecords(id: UInt64, apiKey: UnsafeBufferPointer<UInt8>, modelName: UnsafeBufferPointer<UInt8>, version: UInt64,
                               label: UnsafeBufferPointer<UInt8>, records: RawRecordsView, labelsOnly: Bool,
                               into output: ByteBuffer) -> (CallKind, StatusCode)? {
        if let keys, case .failure = authorize(apiKey: apiKey, call: "predict", keyring: keys.keyring) { return nil }
        guard case let .success(model) = resolve(name: modelName, version: version, label: label) else { return nil }
        guard model.predictRecords(records, labelsOnly: labelsOnly, id: id, loop: loopIndex,
                                   scratch: scratch, order: recordOrder, into: output) else { return nil }
        return (.predict, .ok)
    }

    /// A dense predict read in place by `PredictRequestReader`: the deadline checked as
    /// `answerHotPath` checks it, the values copied into the loop's scratch (aligned), then
    /// `answerDense`. nil as `answerDense`.
    private func answerDenseInPlace(_ r: PredictRequestReader.Parts, receivedAt: UInt64, into output: ByteBuffer) -> (CallKind, StatusCode)? {
        if Self.budgetSpent(receivedAt: receivedAt, timeoutMicros: r.timeoutMicros) {
            let waited = (MonotonicClock.now() &- receivedAt) / 1000
            fail(id: r.id, Self.deadlineExceeded(waited: waited, budget: r.timeoutMicros), into: output)
            return (.predict, .deadlineExceeded)
        }
        scratch.reserve(inputCount: r.count)
        let values = scratch.inputs.baseAddress!
        r.copyValues(into: values)
        return answerDense(id: r.id, apiKey: r.apiKey, modelName: r.modelName, version: r.version, label: r.label,
                           dense: UnsafeBufferPointer(start: values, count: r.count), labelsOnly: r.labelsOnly,
                           reasons: r.reasons, into: output)
    }

    /// Dense rows (no NaN), read by either reader: the key checked, the model resolved, the rows
    /// scored (with inline reasons when asked) and the answer packed into `output`. nil (nothing
    /// written) when the ordinary path must answer: reasons this version cannot give in place.
    private func answerDense(id: UInt64, apiKey: UnsafeBufferPointer<UInt8>, modelName: UnsafeBufferPointer<UInt8>, version: UInt64,
                             label: UnsafeBufferPointer<UInt8>, dense: UnsafeBufferPointer<Double>, labelsOnly: Bool, reasons: Int,
                             into output: ByteBuffer) -> (CallKind, StatusCode)? {
        if let keys, case let .failure(denied) = authorize(apiKey: apiKey, call: "predict", keyring: keys.keyring) {
            fail(id: id, denied, into: output)
            return (.predict, denied.code)
        }
        let model: ServedModel
        switch resolve(name: modelName, version: version, label: label) {
        case let .failure(status):
            fail(id: id, status, into: output)
            return (.predict, status.code)
        case let .success(m):
            model = m
        }
        if reasons > 0 {
            // Decision and reasons in place; anything the hot path does not explain (a model
            // without cover, top_k above the maximum) is the ordinary path's to answer.
            guard model.predictDense(dense, labelsOnly: labelsOnly, reasons: reasons,
                                     catalog: snapshots.snapshot.reasons(for: model.info.name), id: id,
                                     loop: loopIndex, scratch: scratch, into: output) else { return nil }
            return (.predict, .ok)
        }
        if let status = model.predictDense(dense, labelsOnly: labelsOnly, id: id, loop: loopIndex, scratch: scratch, into: output) {
            fail(id: id, status, into: output)
            return (.predict, status.code)
        }
        return (.predict, .ok)
    }

    /// The Explain hot path, for a request whose top level holds one explain call and nothing
    /// else, without an audit log: dense rows with no value missing, for the default class,
    /// read from the ordinary path's `RequestView` (decoded once, its deadline already checked),
    /// explained into loop-owned buffers and packed straight into `output`. Answers only
    /// success: anything else (a key refused, a model not found, a version that cannot explain,
    /// a bad top_k) returns false having written nothing, and the ordinary path goes on with
    /// the same view and answers it.
    private func answerExplainHotPath(_ view: RequestView, into output: ByteBuffer) -> Bool {
        guard let apiKey = try? view.apiKey(), let e = view.denseExplain() else { return false }
        if let keys, case .failure = authorize(apiKey: apiKey, call: "explain", keyring: keys.keyring) { return false }
        guard case let .success(model) = resolve(name: e.selector.name, version: e.selector.version, label: e.selector.label) else { return false }
        return model.explainDense(e.dense, topK: e.topK, contributions: e.contributions, features: e.encodedFeatures,
                                  catalog: snapshots.snapshot.reasons(for: model.info.name), id: view.id, loop: loopIndex,
                                  scratch: scratch, into: output)
    }

    /// Whether a request read at `receivedAt` (monotonic nanoseconds) has spent its budget of
    /// `timeoutMicros` (0: no budget). Compared in microseconds: the budget in nanoseconds
    /// (`timeoutMicros * 1000`) would wrap for budgets above 2^64 ns, 2^62 µs wrapping to 0.
    private static func budgetSpent(receivedAt: UInt64, timeoutMicros: UInt64) -> Bool {
        timeoutMicros > 0 && (MonotonicClock.now() &- receivedAt) / 1000 >= timeoutMicros
    }

    private static func deadlineExceeded(waited: UInt64, budget: UInt64) -> Status {
        Status(.deadlineExceeded, "the request waited \(waited) µs in the server's queue, past its budget of \(budget) µs; not computed")
    }

    /// The status answering a request that could not be decoded, or whose text is not valid.
    private static func status(_ error: MessageDecodeError) -> Status {
        switch error {
        case .invalid, .nulInText, .invalidUTF8: return Status(.invalidArgument, error.description)
        case .tooComplex: return Status(.resourceExhausted, error.description)
        }
    }

    /// The audit record of a prediction or explanation (with the reasons returned); nil for other calls.
    /// The model SHA-256 recorded is that of `answeredBy`, the version that computed the answer.
    private func auditRecord(_ response: Response, answeredBy: ServedModel?, request: Request, body: UnsafeRawBufferPointer, peer: SocketAddress,
                             keyID: String, started: UInt64) -> AuditRecord? {
        let model: String, version: UInt64, rows: UInt32, classIndex: [UInt32], outputs: [Double], reasons: [[ReasonCode]]
        switch response.result {
        case let .predict(p)?:
            (model, version, rows, classIndex) = (p.model, p.version, p.rows, p.classIndex)
            outputs = p.numClasses > 0 ? p.probabilities : p.values
            reasons = p.reasons
        case let .explain(e)?:
            (model, version, rows, classIndex) = (e.model, e.version, UInt32(e.rows.count), [])
            outputs = e.rows.map(\.prediction)
            reasons = e.rows.map(\.reasons)
        default:
            return nil
        }
        return AuditRecord(
            timeMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), requestID: request.id,
            client: peer.description, keyID: keyID, model: model, version: version,
            modelSHA256: answeredBy?.info.sha256 ?? "", inputSHA256: ModelFileCodec.sha256Hex(Array(body)),
            rows: rows, classIndex: classIndex, outputs: outputs,
            latencyMicros: Double(DispatchTime.now().uptimeNanoseconds - started) / 1000, reasons: reasons)
    }

    // The last model this loop resolved from raw bytes (hot path): reused while
    // the registry snapshot and the selector's bytes are the same.
    private var cachedSnapshot: RegistrySnapshot?
    private var cachedName: [UInt8] = []
    private var cachedLabel: [UInt8] = []
    private var cachedVersion: UInt64 = 0
    private var cachedModel: ServedModel?

    /// Called by the loop every tick: lets go of a replaced snapshot (and the model resolved
    /// from it) even when no request comes, so retired versions are freed.
    func tick() {
        if snapshots.refresh() {
            cachedSnapshot = nil
            cachedModel = nil
        }
    }

    /// The model a hot-path selector names (its text already checked; `version` 0 and an empty
    /// `label`: not given).
    private func resolve(name: UnsafeBufferPointer<UInt8>, version: UInt64, label: UnsafeBufferPointer<UInt8>) -> Result<ServedModel, Status> {
        let snapshot = snapshots.snapshot
        if let model = cachedModel, cachedSnapshot === snapshot, cachedVersion == version,
           Self.sameBytes(cachedName, name), Self.sameBytes(cachedLabel, label) {
            return .success(model)
        }
        let selector = ModelSelector(name: String(decoding: name, as: UTF8.self),
                                     version: version == 0 ? nil : version,
                                     label: label.isEmpty ? nil : String(decoding: label, as: UTF8.self))
        let result = snapshot.resolve(selector)
        if case let .success(m) = result {
            cachedSnapshot = snapshot
            cachedName = Array(name)
            cachedLabel = Array(label)
            cachedVersion = version
            cachedModel = m
        }
        return result
    }

    /// Whether `a` holds exactly the bytes of `b` (`ByteComparison`, as record names are
    /// compared; the generic `elementsEqual` cost about 200 instructions per selector on every request).
    private static func sameBytes(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let bBase = b.baseAddress, !a.isEmpty else { return true }
        return a.withUnsafeBufferPointer { ByteComparison.equal($0.baseAddress!, bBase, count: b.count) }
    }

    // The last key this loop verified, so a connection sending the same key on
    // every request is hashed once. Compared in constant time.
    private var cachedKey: [UInt8] = []
    private var cachedIdentity: Keyring.Identity?
    private var cachedKeyring: Keyring?   // held strongly: a freed keyring's address may be reused

    /// The caller's identity, or UNAUTHENTICATED / PERMISSION_DENIED.
    private func authorize(apiKey: UnsafeBufferPointer<UInt8>, call: String, keyring: Keyring) -> Result<Keyring.Identity, Status> {
        let identity: Keyring.Identity?
        if cachedKeyring === keyring, Self.constantTimeEqual(apiKey, cachedKey) {
            identity = cachedIdentity
        } else {
            identity = keyring.authenticate(String(decoding: apiKey, as: UTF8.self))
            cachedKey = Array(apiKey)
            cachedIdentity = identity
            cachedKeyring = keyring
        }
        guard let identity else {
            return .failure(Status(.unauthenticated, apiKey.isEmpty ? "this server requires an API key" : "unknown API key"))
        }
        guard Keyring.allows(identity.role, call: call) else {
            return .failure(Status(.permissionDenied, "key '\(identity.id)' (role \(identity.role)) may not call \(call)"))
        }
        return .success(identity)
    }

    private static func constantTimeEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Appends `response`, or in its place RESOURCE_EXHAUSTED when its encoding is larger than
    /// any client accepts (`FrameLimits.absoluteMaxFrameBytes`: many rows with many notes or
    /// explanations, say); returns the code sent.
    private func emit(_ response: Response, into output: ByteBuffer) -> StatusCode {
        let limit = FrameLimits.absoluteMaxFrameBytes
        guard let size = response.writeFrame(into: output, arena: responseArena, maxBodyBytes: limit) else {
            return response.status.code
        }
        fail(id: response.id, Status(.resourceExhausted, "the answer would take \(size) bytes, more than the largest frame (\(limit) bytes): send fewer rows per request"), into: output)
        return .resourceExhausted
    }

    private func fail(id: UInt64, _ status: Status, into output: ByteBuffer) {
        Response.failure(id: id, status).writeFrame(into: output, arena: responseArena)
    }

    /// The answer to `request`; `answeredBy` is set to the version that scored a prediction
    /// (the audit record names exactly that version's SHA-256).
    func answer(_ request: Request, answeredBy: inout ServedModel?) -> Response {
        guard let call = request.call else {
            return .failure(id: request.id, Status(.unimplemented, "the request names no call this server knows (protocol v1: health, list_models, model_info, predict, explain, stats)"))
        }
        switch call {
        case .health:
            let snapshot = snapshots.snapshot
            let state = server.servingState
            return Response(id: request.id, result: .health(HealthResponse(
                status: state.status,
                modelsAvailable: UInt32(snapshot.availableCount),
                serverVersion: GroveVersion.string,
                uptimeSeconds: server.uptimeSeconds,
                reason: state.reason)))
        case .listModels:
            return Response(id: request.id, result: .listModels(snapshots.snapshot.summaries))
        case let .modelInfo(selector):
            switch snapshots.snapshot.resolve(selector) {
            case let .failure(status): return .failure(id: request.id, status)
            case let .success(model): return Response(id: request.id, result: .modelInfo(model.info))
            }
        case let .predict(p):
            let snapshot = snapshots.snapshot
            switch snapshot.resolve(p.model) {
            case let .failure(status): return .failure(id: request.id, status)
            case let .success(model):
                answeredBy = model
                switch model.predict(p, strict: server.configuration.strictInputs, loop: loopIndex, scratch: scratch,
                                     catalog: p.reasons > 0 ? snapshot.reasons(for: model.info.name) : ReasonCatalog()) {
                case let .failure(status): return .failure(id: request.id, status)
                case let .success(result): return Response(id: request.id, result: .predict(result))
                }
            }
        case let .explain(e):
            let snapshot = snapshots.snapshot
            switch snapshot.resolve(e.model) {
            case let .failure(status): return .failure(id: request.id, status)
            case let .success(model):
                answeredBy = model
                switch model.explain(e, loop: loopIndex, scratch: scratch, catalog: snapshot.reasons(for: model.info.name)) {
                case let .failure(status): return .failure(id: request.id, status)
                case let .success(result): return Response(id: request.id, result: .explain(result))
                }
            }
        case let .admin(op):
            guard let admin = server.adminService else {
                return .failure(id: request.id, Status(.unimplemented, "admin calls are disabled on this server (start it with --admin)"))
            }
            switch admin.handle(op) {
            case let .success(r): return Response(id: request.id, result: .admin(r))
            case let .failure(status): return .failure(id: request.id, status)
            }
        case .stats:
            let c = server.counters
            let totals = server.requestTotals
            return Response(id: request.id, result: .stats(StatsResponse(
                uptimeSeconds: server.uptimeSeconds,
                connectionsOpen: UInt64(max(0, c.connectionsOpen.load(ordering: .relaxed))),
                connectionsTotal: c.connectionsTotal.load(ordering: .relaxed),
                // This call is counted once answered (as every call is): include it already.
                requestsTotal: totals.requests &+ 1,
                errorsTotal: totals.errors,
                models: snapshots.snapshot.available.map(\.stats.snapshot),
                keyReloadFailures: server.keys?.reloadFailures.load(ordering: .relaxed) ?? 0,
                keyFileError: server.keys?.fileError ?? "")))
        }
    }
}
