// Request+ProtobufC: Request <-> Grove__V1__Request (protobuf-c).

import CGroveProto
import CProtobufC

extension Request {
    /// Decodes a frame body. The arena is reset before returning.
    public init(decoding body: UnsafeRawBufferPointer, arena: Arena) throws(MessageDecodeError) {
        arena.reset()
        defer { arena.reset() }
        var allocator = arena.allocator
        let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard let c = grove__v1__request__unpack(&allocator, body.count, base) else {
            if arena.exhausted { throw .tooComplex(message: "Request", limit: arena.limit) }
            throw .invalid(message: "Request")
        }
        self = Request(c.pointee)
    }

    public init(decoding body: [UInt8], arena: Arena = Arena()) throws(MessageDecodeError) {
        let result: Swift.Result<Request, MessageDecodeError> = body.withUnsafeBytes { raw in
            Swift.Result { () throws(MessageDecodeError) in try Request(decoding: raw, arena: arena) }
        }
        self = try result.get()
    }

    init(_ c: Grove__V1__Request) {
        let call: Call?
        switch c.call_case {
        case GROVE__V1__REQUEST__CALL_HEALTH: call = .health
        case GROVE__V1__REQUEST__CALL_LIST_MODELS: call = .listModels
        case GROVE__V1__REQUEST__CALL_MODEL_INFO: call = .modelInfo(CRead.selector(c.model_info?.pointee.model))
        case GROVE__V1__REQUEST__CALL_PREDICT:
            if let p = c.predict?.pointee {
                call = .predict(PredictRequest(
                    model: CRead.selector(p.model),
                    dense: CRead.array(p.n_dense, p.dense),
                    records: CRead.messages(p.n_records, p.records) { r in
                        RawRecord(CRead.messages(r.n_fields, r.fields) { f in
                            let value: RawField.Value
                            switch f.value_case {
                            case GROVE__V1__FIELD__VALUE_NUMBER: value = .number(f.number)
                            case GROVE__V1__FIELD__VALUE_TEXT: value = .text(CRead.string(f.text))
                            default: value = .missing
                            }
                            return RawField(CRead.string(f.name), value)
                        })
                    },
                    labelsOnly: p.labels_only != 0))
            } else {
                call = .predict(PredictRequest(model: ModelSelector(name: "")))
            }
        case GROVE__V1__REQUEST__CALL_STATS: call = .stats
        default: call = nil
        }
        self.init(id: c.id, apiKey: CRead.string(c.api_key), call: call)
    }

    /// Builds the C message in `arena` (valid until the arena is reset).
    func cMessage(_ arena: Arena) -> UnsafeMutablePointer<Grove__V1__Request> {
        let m = arena.new(Grove__V1__Request.self)
        grove__v1__request__init(m)
        m.pointee.id = id
        m.pointee.api_key = arena.cString(apiKey)
        switch call {
        case nil:
            break
        case .health:
            let h = arena.new(Grove__V1__HealthRequest.self)
            grove__v1__health_request__init(h)
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_HEALTH
            m.pointee.health = h
        case .listModels:
            let l = arena.new(Grove__V1__ListModelsRequest.self)
            grove__v1__list_models_request__init(l)
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_LIST_MODELS
            m.pointee.list_models = l
        case let .modelInfo(selector):
            let i = arena.new(Grove__V1__ModelInfoRequest.self)
            grove__v1__model_info_request__init(i)
            i.pointee.model = CBuild.selector(selector, arena)
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_MODEL_INFO
            m.pointee.model_info = i
        case let .predict(p):
            let q = arena.new(Grove__V1__PredictRequest.self)
            grove__v1__predict_request__init(q)
            q.pointee.model = CBuild.selector(p.model, arena)
            q.pointee.n_dense = p.dense.count
            q.pointee.dense = arena.copy(p.dense)
            q.pointee.n_records = p.records.count
            q.pointee.records = arena.pointers(p.records.count) { i in
                let record = p.records[i]
                let r = arena.new(Grove__V1__Record.self)
                grove__v1__record__init(r)
                r.pointee.n_fields = record.fields.count
                r.pointee.fields = arena.pointers(record.fields.count) { j in
                    let field = record.fields[j]
                    let f = arena.new(Grove__V1__Field.self)
                    grove__v1__field__init(f)
                    f.pointee.name = arena.cString(field.name)
                    switch field.value {
                    case let .number(x):
                        f.pointee.value_case = GROVE__V1__FIELD__VALUE_NUMBER
                        f.pointee.number = x
                    case let .text(s):
                        f.pointee.value_case = GROVE__V1__FIELD__VALUE_TEXT
                        f.pointee.text = arena.cString(s)
                    case .missing:
                        f.pointee.value_case = GROVE__V1__FIELD__VALUE_MISSING
                        f.pointee.missing = 1
                    }
                    return f
                }
                return r
            }
            q.pointee.labels_only = p.labelsOnly ? 1 : 0
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_PREDICT
            m.pointee.predict = q
        case .stats:
            let s = arena.new(Grove__V1__StatsRequest.self)
            grove__v1__stats_request__init(s)
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_STATS
            m.pointee.stats = s
        }
        return m
    }

    /// The message's protobuf encoding (no frame header).
    public func encoded(arena: Arena = Arena()) -> [UInt8] {
        defer { arena.reset() }
        return WirePack.bytes(WirePack.message(cMessage(arena)))
    }

    /// The message in a frame: length prefix + encoding.
    public func framed(arena: Arena = Arena()) -> [UInt8] {
        FrameEncoder.frame(encoded(arena: arena))
    }

    /// Appends this request as a frame to `buffer`.
    public func writeFrame(into buffer: ByteBuffer, arena: Arena) {
        defer { arena.reset() }
        WirePack.frame(WirePack.message(cMessage(arena)), into: buffer)
    }
}
