// Request+ProtobufC: Request <-> Grove__V1__Request (protobuf-c).

import CGroveProto
import CProtobufC

extension Request {
    /// Decodes a frame body. The arena is reset before returning.
    public init(decoding body: UnsafeRawBufferPointer, arena: Arena) throws(MessageDecodeError) {
        defer { arena.reset() }
        self = try Request(try WirePack.unpack(body, arena: arena, message: "Request", grove__v1__request__unpack).pointee)
    }

    public init(decoding body: [UInt8], arena: Arena = Arena()) throws(MessageDecodeError) {
        self = try WirePack.decode(body) { (raw) throws(MessageDecodeError) in try Request(decoding: raw, arena: arena) }
    }

    /// The Swift value of a decoded request; throws when client text is not what was meant
    /// to be sent (a NUL byte or invalid UTF-8: see `WireText`).
    init(_ c: Grove__V1__Request) throws(MessageDecodeError) {
        let call: Call?
        switch c.call_case {
        case GROVE__V1__REQUEST__CALL_HEALTH: call = .health
        case GROVE__V1__REQUEST__CALL_LIST_MODELS: call = .listModels
        case GROVE__V1__REQUEST__CALL_MODEL_INFO: call = .modelInfo(try CRead.selector(c.model_info?.pointee.model))
        case GROVE__V1__REQUEST__CALL_PREDICT:
            if let p = c.predict?.pointee {
                call = .predict(PredictRequest(
                    model: try CRead.selector(p.model),
                    dense: CRead.array(p.n_dense, p.dense),
                    records: try CRead.records(p.n_records, p.records),
                    labelsOnly: p.labels_only != 0, strict: p.strict != 0, reasons: p.reasons))
            } else {
                call = .predict(PredictRequest(model: ModelSelector(name: "")))
            }
        case GROVE__V1__REQUEST__CALL_STATS: call = .stats
        case GROVE__V1__REQUEST__CALL_EXPLAIN:
            if let e = c.explain?.pointee {
                call = .explain(ExplainRequest(
                    model: try CRead.selector(e.model), dense: CRead.array(e.n_dense, e.dense),
                    records: try CRead.records(e.n_records, e.records), topK: e.top_k,
                    contributions: e.contributions != 0, encodedFeatures: e.encoded_features != 0,
                    classLabel: try WireText.string(e.class_label, field: "ExplainRequest.class_label")))
            } else {
                call = .explain(ExplainRequest(model: ModelSelector(name: "")))
            }
        case GROVE__V1__REQUEST__CALL_ADMIN:
            call = try c.admin.flatMap { (a) throws(MessageDecodeError) in try Request.admin(a.pointee) }.map { .admin($0) }
        default: call = nil
        }
        self.init(id: c.id, apiKey: try WireText.string(c.api_key, field: "Request.api_key"), timeoutMicros: c.timeout_micros, call: call)
    }

    /// An admin operation; nil when none (or an unknown one) is set.
    static func admin(_ a: Grove__V1__AdminRequest) throws(MessageDecodeError) -> AdminRequest? {
        switch a.op_case {
        case GROVE__V1__ADMIN_REQUEST__OP_SET_LABEL:
            guard let x = a.set_label?.pointee else { return nil }
            return .setLabel(model: try WireText.string(x.model, field: "SetLabel.model"),
                             label: try WireText.string(x.label, field: "SetLabel.label"), version: x.version)
        case GROVE__V1__ADMIN_REQUEST__OP_LOAD_VERSION:
            guard let x = a.load_version?.pointee else { return nil }
            return .loadVersion(model: try WireText.string(x.model, field: "LoadVersion.model"), version: x.version)
        case GROVE__V1__ADMIN_REQUEST__OP_UNLOAD_VERSION:
            guard let x = a.unload_version?.pointee else { return nil }
            return .unloadVersion(model: try WireText.string(x.model, field: "UnloadVersion.model"), version: x.version)
        case GROVE__V1__ADMIN_REQUEST__OP_UPLOAD:
            guard let x = a.upload?.pointee else { return nil }
            return .upload(UploadChunk(model: try WireText.string(x.model, field: "UploadChunk.model"),
                                       uploadID: try WireText.string(x.upload_id, field: "UploadChunk.upload_id"), offset: x.offset,
                                       data: Array(WireText.bytes(x.data)), totalSize: x.total_size, last: x.last != 0,
                                       sha256: try WireText.string(x.sha256, field: "UploadChunk.sha256")))
        default:
            return nil
        }
    }

    /// Builds the C message in `arena` (valid until the arena is reset).
    func cMessage(_ arena: Arena) -> UnsafeMutablePointer<Grove__V1__Request> {
        let m = arena.new(Grove__V1__Request.self)
        grove__v1__request__init(m)
        m.pointee.id = id
        m.pointee.api_key = arena.text(apiKey)
        m.pointee.timeout_micros = timeoutMicros
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
            q.pointee.records = CBuild.records(p.records, arena)
            q.pointee.labels_only = p.labelsOnly ? 1 : 0
            q.pointee.strict = p.strict ? 1 : 0
            q.pointee.reasons = p.reasons
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_PREDICT
            m.pointee.predict = q
        case let .explain(e):
            let x = arena.new(Grove__V1__ExplainRequest.self)
            grove__v1__explain_request__init(x)
            x.pointee.model = CBuild.selector(e.model, arena)
            x.pointee.n_dense = e.dense.count
            x.pointee.dense = arena.copy(e.dense)
            x.pointee.n_records = e.records.count
            x.pointee.records = CBuild.records(e.records, arena)
            x.pointee.top_k = e.topK
            x.pointee.contributions = e.contributions ? 1 : 0
            x.pointee.encoded_features = e.encodedFeatures ? 1 : 0
            x.pointee.class_label = arena.text(e.classLabel)
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_EXPLAIN
            m.pointee.explain = x
        case .stats:
            let s = arena.new(Grove__V1__StatsRequest.self)
            grove__v1__stats_request__init(s)
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_STATS
            m.pointee.stats = s
        case let .admin(op):
            let a = arena.new(Grove__V1__AdminRequest.self)
            grove__v1__admin_request__init(a)
            switch op {
            case let .setLabel(model, label, version):
                let x = arena.new(Grove__V1__SetLabel.self)
                grove__v1__set_label__init(x)
                x.pointee.model = arena.text(model)
                x.pointee.label = arena.text(label)
                x.pointee.version = version
                a.pointee.op_case = GROVE__V1__ADMIN_REQUEST__OP_SET_LABEL
                a.pointee.set_label = x
            case let .loadVersion(model, version):
                let x = arena.new(Grove__V1__LoadVersion.self)
                grove__v1__load_version__init(x)
                x.pointee.model = arena.text(model)
                x.pointee.version = version
                a.pointee.op_case = GROVE__V1__ADMIN_REQUEST__OP_LOAD_VERSION
                a.pointee.load_version = x
            case let .unloadVersion(model, version):
                let x = arena.new(Grove__V1__UnloadVersion.self)
                grove__v1__unload_version__init(x)
                x.pointee.model = arena.text(model)
                x.pointee.version = version
                a.pointee.op_case = GROVE__V1__ADMIN_REQUEST__OP_UNLOAD_VERSION
                a.pointee.unload_version = x
            case let .upload(u):
                let x = arena.new(Grove__V1__UploadChunk.self)
                grove__v1__upload_chunk__init(x)
                x.pointee.model = arena.text(u.model)
                x.pointee.upload_id = arena.text(u.uploadID)
                x.pointee.offset = u.offset
                x.pointee.data = ProtobufCBinaryData(len: u.data.count, data: arena.copy(u.data))
                x.pointee.total_size = u.totalSize
                x.pointee.last = u.last ? 1 : 0
                x.pointee.sha256 = arena.text(u.sha256)
                a.pointee.op_case = GROVE__V1__ADMIN_REQUEST__OP_UPLOAD
                a.pointee.upload = x
            }
            m.pointee.call_case = GROVE__V1__REQUEST__CALL_ADMIN
            m.pointee.admin = a
        }
        return m
    }
}
