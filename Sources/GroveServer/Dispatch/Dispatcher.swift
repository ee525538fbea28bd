// Dispatcher: turns one request frame into one response frame, on the loop that read it.

import GroveWire

/// One per event loop (its arenas are reused for every request that loop
/// handles, so steady-state dispatch allocates nothing for decoding).
final class Dispatcher {
    private unowned let server: Server
    /// Decoded requests live here until their response is written.
    let requestArena: Arena
    /// Outgoing C messages are built here.
    let responseArena = Arena()

    init(server: Server) {
        self.server = server
        // A decoded request may take several times its wire size in C structs; bound it.
        requestArena = Arena(limit: max(Arena.defaultLimit, server.configuration.connection.frame.maxFrameBytes * 8))
    }

    /// Decodes `body`, runs the call, and appends the response frame to `output`.
    func respond(to body: UnsafeRawBufferPointer, peer: SocketAddress, into output: ByteBuffer) {
        server.counters.requestsTotal.add(1, ordering: .relaxed)
        let request: Request
        do {
            request = try Request(decoding: body, arena: requestArena)
        } catch {
            let code: StatusCode
            switch error {
            case .invalid: code = .invalidArgument
            case .tooComplex: code = .resourceExhausted
            }
            fail(id: 0, Status(code, error.description), into: output)
            return
        }
        let response = answer(request)
        if response.status.code != .ok { server.counters.errorsTotal.add(1, ordering: .relaxed) }
        response.writeFrame(into: output, arena: responseArena)
    }

    private func fail(id: UInt64, _ status: Status, into output: ByteBuffer) {
        server.counters.errorsTotal.add(1, ordering: .relaxed)
        Response.failure(id: id, status).writeFrame(into: output, arena: responseArena)
    }

    func answer(_ request: Request) -> Response {
        guard let call = request.call else {
            return .failure(id: request.id, Status(.unimplemented, "the request names no call this server knows (protocol v1: health, list_models, model_info, predict, stats)"))
        }
        switch call {
        case .health:
            let snapshot = server.registry.snapshot
            return Response(id: request.id, result: .health(HealthResponse(
                status: server.isDraining ? .notServing : .serving,
                modelsAvailable: UInt32(snapshot.availableCount),
                serverVersion: GroveVersion.string,
                uptimeSeconds: server.uptimeSeconds)))
        case .listModels:
            return Response(id: request.id, result: .listModels(server.registry.snapshot.summaries))
        case let .modelInfo(selector):
            switch server.registry.snapshot.resolve(selector) {
            case let .failure(status): return .failure(id: request.id, status)
            case let .success(model): return Response(id: request.id, result: .modelInfo(model.info))
            }
        case let .predict(p):
            switch server.registry.snapshot.resolve(p.model) {
            case let .failure(status): return .failure(id: request.id, status)
            case let .success(model):
                switch model.predict(p) {
                case let .failure(status): return .failure(id: request.id, status)
                case let .success(result): return Response(id: request.id, result: .predict(result))
                }
            }
        case .stats:
            let c = server.counters
            return Response(id: request.id, result: .stats(StatsResponse(
                uptimeSeconds: server.uptimeSeconds,
                connectionsOpen: UInt64(max(0, c.connectionsOpen.load(ordering: .relaxed))),
                connectionsTotal: c.connectionsTotal.load(ordering: .relaxed),
                requestsTotal: c.requestsTotal.load(ordering: .relaxed),
                errorsTotal: c.errorsTotal.load(ordering: .relaxed),
                models: server.registry.snapshot.available.map(\.stats.snapshot))))
        }
    }
}
