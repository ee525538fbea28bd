// Response+ProtobufC: Response <-> Grove__V1__Response (protobuf-c).

import CGroveProto
import CProtobufC

extension Response {
    /// Decodes a frame body. The arena is reset before returning.
    public init(decoding body: UnsafeRawBufferPointer, arena: Arena) throws(MessageDecodeError) {
        defer { arena.reset() }
        self = Response(try WirePack.unpack(body, arena: arena, message: "Response", grove__v1__response__unpack).pointee)
    }

    public init(decoding body: [UInt8], arena: Arena = Arena()) throws(MessageDecodeError) {
        self = try WirePack.decode(body) { (raw) throws(MessageDecodeError) in try Response(decoding: raw, arena: arena) }
    }

    init(_ c: Grove__V1__Response) {
        let status: Status
        if let s = c.status?.pointee {
            status = Status(StatusCode(wireValue: UInt32(s.code.rawValue)), CRead.string(s.message))
        } else {
            status = .ok
        }
        var result: Result?
        switch c.result_case {
        case GROVE__V1__RESPONSE__RESULT_HEALTH:
            if let h = c.health?.pointee {
                result = .health(HealthResponse(
                    status: HealthResponse.ServingStatus(rawValue: UInt32(h.status.rawValue)) ?? .unknown,
                    modelsAvailable: h.models_available, serverVersion: CRead.string(h.server_version),
                    uptimeSeconds: h.uptime_seconds, reason: CRead.string(h.reason)))
            }
        case GROVE__V1__RESPONSE__RESULT_LIST_MODELS:
            if let l = c.list_models?.pointee {
                result = .listModels(CRead.messages(l.n_models, l.models) { m in
                    ModelSummary(
                        name: CRead.string(m.name),
                        versions: CRead.messages(m.n_versions, m.versions) { v in
                            VersionState(version: v.version,
                                         state: VersionState.State(rawValue: UInt32(v.state.rawValue)) ?? .unknown,
                                         reason: CRead.string(v.reason))
                        },
                        labels: CRead.messages(m.n_labels, m.labels) { ModelLabel(name: CRead.string($0.name), version: $0.version) })
                })
            }
        case GROVE__V1__RESPONSE__RESULT_MODEL_INFO:
            if let i = c.model_info?.pointee {
                result = .modelInfo(ModelInfo(
                    name: CRead.string(i.name), version: i.version,
                    task: ModelInfo.Task(rawValue: UInt32(i.task.rawValue)) ?? .unspecified,
                    classes: CRead.strings(i.n_classes, i.classes),
                    positiveClass: i.positive_class >= 0 ? Int(i.positive_class) : nil,
                    inputs: CRead.messages(i.n_inputs, i.inputs, CRead.inputColumn),
                    featureNames: CRead.strings(i.n_feature_names, i.feature_names),
                    metrics: CRead.messages(i.n_metrics, i.metrics, CRead.metric),
                    sha256: CRead.string(i.sha256), createdUnixMicros: i.created_unix_micros,
                    trees: i.trees, target: CRead.string(i.target),
                    explainable: i.explainable != 0, explainError: CRead.string(i.explain_error),
                    signer: CRead.string(i.signer), signerKeySHA256: CRead.string(i.signer_key_sha256),
                    calibration: CRead.string(i.calibration)))
                if case var .modelInfo(info)? = result {
                    info.source = CRead.string(i.source)
                    info.producer = CRead.string(i.producer)
                    info.ensemble = CRead.string(i.ensemble)
                    info.link = CRead.string(i.link)
                    info.sourceOperator = CRead.string(i.source_operator)
                    result = .modelInfo(info)
                }
            }
        case GROVE__V1__RESPONSE__RESULT_PREDICT:
            if let p = c.predict?.pointee {
                result = .predict(PredictResponse(
                    model: CRead.string(p.model), version: p.version, rows: p.rows, numClasses: p.num_classes,
                    probabilities: CRead.array(p.n_probabilities, p.probabilities),
                    classIndex: CRead.array(p.n_class_index, p.class_index),
                    values: CRead.array(p.n_values, p.values),
                    notes: CRead.messages(p.n_notes, p.notes) { n in
                        RowNote(row: n.row, column: CRead.string(n.column),
                                kind: RowNote.Kind(rawValue: UInt32(n.kind.rawValue)) ?? .unspecified, value: CRead.string(n.value))
                    },
                    reasons: CRead.messages(p.n_reasons, p.reasons) { CRead.messages($0.n_reasons, $0.reasons, CRead.reason) },
                    explainedClass: CRead.string(p.explained_class)))
            }
        case GROVE__V1__RESPONSE__RESULT_STATS:
            if let s = c.stats?.pointee {
                result = .stats(StatsResponse(
                    uptimeSeconds: s.uptime_seconds, connectionsOpen: s.connections_open,
                    connectionsTotal: s.connections_total, requestsTotal: s.requests_total,
                    errorsTotal: s.errors_total,
                    models: CRead.messages(s.n_models, s.models) { m in
                        ModelStats(name: CRead.string(m.name), version: m.version, requests: m.requests, rows: m.rows,
                                   errors: m.errors, latencyP50Micros: m.latency_p50_us,
                                   latencyP90Micros: m.latency_p90_us, latencyP99Micros: m.latency_p99_us,
                                   latencyP999Micros: m.latency_p999_us, latencyMaxMicros: m.latency_max_us)
                    },
                    keyReloadFailures: s.key_reload_failures, keyFileError: CRead.string(s.key_file_error)))
            }
        case GROVE__V1__RESPONSE__RESULT_EXPLAIN:
            if let e = c.explain?.pointee {
                result = .explain(ExplainResponse(
                    model: CRead.string(e.model), version: e.version, explainedClass: CRead.string(e.explained_class),
                    scale: CRead.string(e.scale), columns: CRead.strings(e.n_columns, e.columns),
                    featureNames: CRead.strings(e.n_feature_names, e.feature_names),
                    rows: CRead.messages(e.n_rows, e.rows) { r in
                        ExplainRow(prediction: r.prediction, baseValue: r.base_value,
                                   contributions: CRead.array(r.n_contributions, r.contributions),
                                   featureContributions: CRead.array(r.n_feature_contributions, r.feature_contributions),
                                   reasons: CRead.messages(r.n_reasons, r.reasons, CRead.reason))
                    }))
            }
        case GROVE__V1__RESPONSE__RESULT_ADMIN:
            if let a = c.admin?.pointee {
                result = .admin(AdminResponse(message: CRead.string(a.message), version: a.version, received: a.received))
            }
        default:
            result = nil
        }
        self.init(id: c.id, status: status, result: result)
    }

    /// Builds the C message in `arena` (valid until the arena is reset).
    func cMessage(_ arena: Arena) -> UnsafeMutablePointer<Grove__V1__Response> {
        let m = arena.new(Grove__V1__Response.self)
        grove__v1__response__init(m)
        m.pointee.id = id
        let s = arena.new(Grove__V1__Status.self)
        grove__v1__status__init(s)
        s.pointee.code = Grove__V1__Status__Code(rawValue: numericCast(status.code.rawValue))
        s.pointee.message = arena.cString(status.message)
        m.pointee.status = s
        switch result {
        case nil:
            break
        case let .health(h):
            let r = arena.new(Grove__V1__HealthResponse.self)
            grove__v1__health_response__init(r)
            r.pointee.status = Grove__V1__HealthResponse__ServingStatus(rawValue: numericCast(h.status.rawValue))
            r.pointee.models_available = h.modelsAvailable
            r.pointee.server_version = arena.cString(h.serverVersion)
            r.pointee.uptime_seconds = h.uptimeSeconds
            r.pointee.reason = arena.cString(h.reason)
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_HEALTH
            m.pointee.health = r
        case let .listModels(models):
            let r = arena.new(Grove__V1__ListModelsResponse.self)
            grove__v1__list_models_response__init(r)
            r.pointee.n_models = models.count
            r.pointee.models = arena.pointers(models.count) { i in
                let model = models[i]
                let s = arena.new(Grove__V1__ModelSummary.self)
                grove__v1__model_summary__init(s)
                s.pointee.name = arena.cString(model.name)
                s.pointee.n_versions = model.versions.count
                s.pointee.versions = arena.pointers(model.versions.count) { j in
                    let v = arena.new(Grove__V1__VersionState.self)
                    grove__v1__version_state__init(v)
                    v.pointee.version = model.versions[j].version
                    v.pointee.state = Grove__V1__VersionState__State(rawValue: numericCast(model.versions[j].state.rawValue))
                    v.pointee.reason = arena.cString(model.versions[j].reason)
                    return v
                }
                s.pointee.n_labels = model.labels.count
                s.pointee.labels = arena.pointers(model.labels.count) { j in
                    let l = arena.new(Grove__V1__Label.self)
                    grove__v1__label__init(l)
                    l.pointee.name = arena.cString(model.labels[j].name)
                    l.pointee.version = model.labels[j].version
                    return l
                }
                return s
            }
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_LIST_MODELS
            m.pointee.list_models = r
        case let .modelInfo(info):
            let r = arena.new(Grove__V1__ModelInfoResponse.self)
            grove__v1__model_info_response__init(r)
            r.pointee.name = arena.cString(info.name)
            r.pointee.version = info.version
            r.pointee.task = Grove__V1__Task(rawValue: numericCast(info.task.rawValue))
            r.pointee.n_classes = info.classes.count
            r.pointee.classes = CBuild.strings(info.classes, arena)
            r.pointee.positive_class = Int32(info.positiveClass ?? -1)
            r.pointee.n_inputs = info.inputs.count
            r.pointee.inputs = arena.pointers(info.inputs.count) { CBuild.inputColumn(info.inputs[$0], arena) }
            r.pointee.n_feature_names = info.featureNames.count
            r.pointee.feature_names = CBuild.strings(info.featureNames, arena)
            r.pointee.n_metrics = info.metrics.count
            r.pointee.metrics = arena.pointers(info.metrics.count) { CBuild.metric(info.metrics[$0], arena) }
            r.pointee.sha256 = arena.cString(info.sha256)
            r.pointee.created_unix_micros = info.createdUnixMicros
            r.pointee.trees = info.trees
            r.pointee.target = arena.cString(info.target)
            r.pointee.explainable = info.explainable ? 1 : 0
            r.pointee.explain_error = arena.cString(info.explainError)
            r.pointee.signer = arena.cString(info.signer)
            r.pointee.signer_key_sha256 = arena.cString(info.signerKeySHA256)
            r.pointee.source = arena.cString(info.source)
            r.pointee.producer = arena.cString(info.producer)
            r.pointee.ensemble = arena.cString(info.ensemble)
            r.pointee.link = arena.cString(info.link)
            r.pointee.source_operator = arena.cString(info.sourceOperator)
            r.pointee.calibration = arena.cString(info.calibration)
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_MODEL_INFO
            m.pointee.model_info = r
        case let .predict(p):
            let r = arena.new(Grove__V1__PredictResponse.self)
            grove__v1__predict_response__init(r)
            r.pointee.model = arena.cString(p.model)
            r.pointee.version = p.version
            r.pointee.rows = p.rows
            r.pointee.num_classes = p.numClasses
            r.pointee.n_probabilities = p.probabilities.count
            r.pointee.probabilities = arena.copy(p.probabilities)
            r.pointee.n_class_index = p.classIndex.count
            r.pointee.class_index = arena.copy(p.classIndex)
            r.pointee.n_values = p.values.count
            r.pointee.values = arena.copy(p.values)
            r.pointee.n_notes = p.notes.count
            r.pointee.notes = arena.pointers(p.notes.count) { i in
                let n = arena.new(Grove__V1__InputNote.self)
                grove__v1__input_note__init(n)
                n.pointee.row = p.notes[i].row
                n.pointee.column = arena.cString(p.notes[i].column)
                n.pointee.kind = Grove__V1__InputNote__Kind(rawValue: numericCast(p.notes[i].kind.rawValue))
                n.pointee.value = arena.cString(p.notes[i].value)
                return n
            }
            r.pointee.n_reasons = p.reasons.count
            r.pointee.reasons = arena.pointers(p.reasons.count) { i in
                let list = arena.new(Grove__V1__ReasonList.self)
                grove__v1__reason_list__init(list)
                list.pointee.n_reasons = p.reasons[i].count
                list.pointee.reasons = CBuild.reasons(p.reasons[i], arena)
                return list
            }
            r.pointee.explained_class = arena.cString(p.explainedClass)
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_PREDICT
            m.pointee.predict = r
        case let .stats(st):
            let r = arena.new(Grove__V1__StatsResponse.self)
            grove__v1__stats_response__init(r)
            r.pointee.uptime_seconds = st.uptimeSeconds
            r.pointee.connections_open = st.connectionsOpen
            r.pointee.connections_total = st.connectionsTotal
            r.pointee.requests_total = st.requestsTotal
            r.pointee.errors_total = st.errorsTotal
            r.pointee.key_reload_failures = st.keyReloadFailures
            r.pointee.key_file_error = arena.cString(st.keyFileError)
            r.pointee.n_models = st.models.count
            r.pointee.models = arena.pointers(st.models.count) { i in
                let ms = st.models[i]
                let x = arena.new(Grove__V1__ModelStats.self)
                grove__v1__model_stats__init(x)
                x.pointee.name = arena.cString(ms.name)
                x.pointee.version = ms.version
                x.pointee.requests = ms.requests
                x.pointee.rows = ms.rows
                x.pointee.errors = ms.errors
                x.pointee.latency_p50_us = ms.latencyP50Micros
                x.pointee.latency_p90_us = ms.latencyP90Micros
                x.pointee.latency_p99_us = ms.latencyP99Micros
                x.pointee.latency_p999_us = ms.latencyP999Micros
                x.pointee.latency_max_us = ms.latencyMaxMicros
                return x
            }
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_STATS
            m.pointee.stats = r
        case let .explain(e):
            let r = arena.new(Grove__V1__ExplainResponse.self)
            grove__v1__explain_response__init(r)
            r.pointee.model = arena.cString(e.model)
            r.pointee.version = e.version
            r.pointee.explained_class = arena.cString(e.explainedClass)
            r.pointee.scale = arena.cString(e.scale)
            r.pointee.n_columns = e.columns.count
            r.pointee.columns = CBuild.strings(e.columns, arena)
            r.pointee.n_feature_names = e.featureNames.count
            r.pointee.feature_names = CBuild.strings(e.featureNames, arena)
            r.pointee.n_rows = e.rows.count
            r.pointee.rows = arena.pointers(e.rows.count) { i in
                let row = e.rows[i]
                let x = arena.new(Grove__V1__ExplainRow.self)
                grove__v1__explain_row__init(x)
                x.pointee.prediction = row.prediction
                x.pointee.base_value = row.baseValue
                x.pointee.n_contributions = row.contributions.count
                x.pointee.contributions = arena.copy(row.contributions)
                x.pointee.n_feature_contributions = row.featureContributions.count
                x.pointee.feature_contributions = arena.copy(row.featureContributions)
                x.pointee.n_reasons = row.reasons.count
                x.pointee.reasons = CBuild.reasons(row.reasons, arena)
                return x
            }
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_EXPLAIN
            m.pointee.explain = r
        case let .admin(a):
            let r = arena.new(Grove__V1__AdminResponse.self)
            grove__v1__admin_response__init(r)
            r.pointee.message = arena.cString(a.message)
            r.pointee.version = a.version
            r.pointee.received = a.received
            m.pointee.result_case = GROVE__V1__RESPONSE__RESULT_ADMIN
            m.pointee.admin = r
        }
        return m
    }
}
