// ModelFileCodec: TrainedModel <-> model.grove bytes (proto/grove/v1/model.proto), validated on read.

import CGroveProto
import CProtobufC
import Crypto
import GroveForest
import GroveWire

public enum ModelFileCodec {
    /// Largest model file read (1 GiB: about 30M nodes).
    public static let maxFileBytes = 1 << 30

    // MARK: - Writing

    /// The model's sealed file bytes (`ModelSeal`), with `signature` when given.
    ///
    /// `packedTrees` may hold the trees' `Tree` messages packed ahead (`treeBytes`, e.g. by the
    /// workers that grew them while the other trees grew); a tree without its bytes there is
    /// packed here. Either way the bytes are those of `ModelSeal.seal(payload: payload(model),
    /// signature:)`, the whole message packed by protobuf-c (the tests compare both), written
    /// once into the returned array: the payload is spliced from its fields before the forest,
    /// the forest's fields before its trees, the trees, the fields after them and after the
    /// forest, with each message's tag and length, and the seal's digest computed in place.
    ///
    /// With `sealed: false` the digest's bytes are left zero: `sealHeader(of:)` gives the file's
    /// first `ModelSeal.headerBytes` bytes (so a writer can write the body while the digest is
    /// computed, and the header last).
    public static func encode(_ model: TrainedModel, signature: ModelSignature? = nil,
                              packedTrees: PackedTrees? = nil, sealed: Bool = true) -> [UInt8] {
        let arena = Arena(chunkSize: 1 << 16, limit: .max)
        let m = message(model, arena, withForest: false)
        let forestNumber = withUnsafePointer(to: grove__v1__model_file__descriptor) { WirePack.fieldNumber($0, "forest")! }
        let treesNumber = withUnsafePointer(to: grove__v1__forest__descriptor) { WirePack.fieldNumber($0, "trees")! }
        let modelNumber = withUnsafePointer(to: grove__v1__model_seal__descriptor) { WirePack.fieldNumber($0, "model")! }
        let head = WirePack.bytes(WirePack.message(m), fields: { $0 < forestNumber })
        let tail = WirePack.bytes(WirePack.message(m), fields: { $0 > forestNumber })
        let f = forest(model.forest, arena, withTrees: false)
        let forestHead = WirePack.bytes(WirePack.message(f), fields: { $0 < treesNumber })
        let forestTail = WirePack.bytes(WirePack.message(f), fields: { $0 > treesNumber })
        let trees = model.forest.trees.indices.map { i in
            packedTrees?.bytes(at: i, of: model.forest.trees[i]) ?? treeBytes(model.forest.trees[i])
        }
        // The seal's other fields (its signature): the seal without its model bytes.
        let s = arena.new(Grove__V1__ModelSeal.self)
        grove__v1__model_seal__init(s)
        s.pointee.signature = ModelSeal.signatureMessage(signature, arena)
        let sealTail = WirePack.bytes(WirePack.message(s))

        // A length-delimited field's tag: (number << 3) | 2.
        func tag(_ number: UInt32) -> [UInt8] {
            var t = [UInt8](repeating: 0, count: 5)
            let n = t.withUnsafeMutableBufferPointer {
                PredictResponseEncoder.putVarint(UInt64(number) << 3 | 2, $0.baseAddress!) - $0.baseAddress!
            }
            return Array(t[..<n])
        }
        func size(_ length: Int) -> Int { PredictResponseEncoder.varintSize(UInt64(length)) }
        let treeTag = tag(treesNumber), forestTag = tag(forestNumber), modelTag = tag(modelNumber)
        let forestBytes = forestHead.count + trees.reduce(0) { $0 + treeTag.count + size($1.count) + $1.count }
            + forestTail.count
        let payloadBytes = head.count + forestTag.count + size(forestBytes) + forestBytes + tail.count
        let bodyBytes = modelTag.count + size(payloadBytes) + payloadBytes + sealTail.count
        let total = ModelSeal.headerBytes + bodyBytes
        var file = [UInt8](unsafeUninitializedCapacity: total) { out, count in
            var at = 0
            func put(_ bytes: [UInt8]) {
                bytes.withUnsafeBufferPointer { b in
                    if let base = b.baseAddress { (out.baseAddress! + at).update(from: base, count: b.count) }
                }
                at += bytes.count
            }
            func putLength(_ value: Int) {
                at = PredictResponseEncoder.putVarint(UInt64(value), out.baseAddress! + at) - out.baseAddress!
            }
            put(ModelSeal.magic)
            (out.baseAddress! + at).initialize(repeating: 0, count: ModelSeal.headerBytes - at)
            at = ModelSeal.headerBytes  // the digest goes in last
            put(modelTag); putLength(payloadBytes)
            put(head)
            put(forestTag); putLength(forestBytes)
            put(forestHead)
            for t in trees { put(treeTag); putLength(t.count); put(t) }
            put(forestTail)
            put(tail)
            put(sealTail)
            precondition(at == total, "ModelFileCodec: spliced \(at) bytes, expected \(total)")
            count = total
        }
        if sealed {
            let header = sealHeader(of: file)
            file.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: header, count: header.count) }
        }
        return file
    }

    /// The seal's header (magic, then the digest of everything after the header) of a file
    /// encoded with `sealed: false`: with it in place of the first `ModelSeal.headerBytes`
    /// bytes, the file is `encode(sealed: true)`'s.
    public static func sealHeader(of bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { ModelSeal.header(body: UnsafeRawBufferPointer(rebasing: $0[ModelSeal.headerBytes...])) }
    }

    /// One tree's `Tree` message, packed as the model file holds it inside the forest.
    public static func treeBytes(_ t: Tree) -> [UInt8] {
        let arena = Arena(chunkSize: 1 << 16, limit: .max)
        return WirePack.bytes(WirePack.message(tree(t, arena)))
    }

    /// The SHA-256 a signature covers: the payload with the name and version cleared
    /// (the encoding is deterministic, so this is the same wherever the model is published).
    public static func contentDigest(_ model: TrainedModel) -> [UInt8] {
        var content = model
        content.name = ""
        content.version = 0
        return sha256(payload(content))
    }

    /// The `ModelFile` message of a model (what a seal carries), packed whole by protobuf-c.
    public static func payload(_ model: TrainedModel) -> [UInt8] {
        let arena = Arena(chunkSize: 1 << 20, limit: .max)
        return WirePack.bytes(WirePack.message(message(model, arena, withForest: true)))
    }

    /// The `ModelFile` message of a model in `arena`, without its forest unless `withForest`.
    private static func message(_ model: TrainedModel, _ arena: Arena, withForest: Bool) -> UnsafeMutablePointer<Grove__V1__ModelFile> {
        let m = arena.new(Grove__V1__ModelFile.self)
        grove__v1__model_file__init(m)
        m.pointee.format_version = TrainedModel.formatVersion
        m.pointee.name = arena.cString(model.name)
        m.pointee.version = model.version
        m.pointee.created_unix_micros = model.createdUnixMicros
        m.pointee.task = model.task == .classification ? GROVE__V1__TASK__CLASSIFICATION : GROVE__V1__TASK__REGRESSION
        m.pointee.params = params(model.params, arena)
        m.pointee.n_metrics = model.metrics.count
        m.pointee.metrics = arena.pointers(model.metrics.count) {
            CBuild.metric(NamedValue(model.metrics[$0].name, model.metrics[$0].value), arena)
        }
        m.pointee.training_data_sha256 = ProtobufCBinaryData(len: model.trainingDataSHA256.count,
                                                             data: arena.copy(model.trainingDataSHA256))
        m.pointee.preprocessing = preprocessing(model.preprocessing, arena)
        m.pointee.forest = withForest ? forest(model.forest, arena, withTrees: true) : nil
        m.pointee.producer = arena.cString(model.producer)
        m.pointee.training_rows = model.trainingRows
        if let s = model.source {
            let x = arena.new(Grove__V1__ImportSource.self)
            grove__v1__import_source__init(x)
            x.pointee.format = arena.cString(s.format)
            x.pointee.producer_name = arena.cString(s.producerName)
            x.pointee.producer_version = arena.cString(s.producerVersion)
            x.pointee.operator_name = arena.cString(s.operatorName)
            x.pointee.opset = s.opset
            x.pointee.input_name = arena.cString(s.inputName)
            x.pointee.compares_as_float32 = s.comparesAsFloat32 ? 1 : 0
            x.pointee.cover_rows = s.coverRows
            m.pointee.source = x
        }
        if model.calibration.method != .none { m.pointee.calibration = calibration(model.calibration, arena) }
        m.pointee.n_oob_reliability = model.outOfBagReliability.count
        m.pointee.oob_reliability = arena.pointers(model.outOfBagReliability.count) { i in
            let b = model.outOfBagReliability[i]
            let x = arena.new(Grove__V1__ReliabilityBin.self)
            grove__v1__reliability_bin__init(x)
            x.pointee.lower = b.lower
            x.pointee.upper = b.upper
            x.pointee.count = UInt64(b.count)
            x.pointee.mean_predicted = b.meanPredicted
            x.pointee.observed_rate = b.observedRate
            return x
        }
        return m
    }

    private static func calibration(_ c: ProbabilityCalibration, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__ProbabilityCalibration> {
        let x = arena.new(Grove__V1__ProbabilityCalibration.self)
        grove__v1__probability_calibration__init(x)
        switch c.method {
        case .none: x.pointee.method = GROVE__V1__PROBABILITY_CALIBRATION__METHOD__NONE
        case .platt: x.pointee.method = GROVE__V1__PROBABILITY_CALIBRATION__METHOD__PLATT
        case .isotonic: x.pointee.method = GROVE__V1__PROBABILITY_CALIBRATION__METHOD__ISOTONIC
        }
        x.pointee.platt_a = c.plattA
        x.pointee.platt_b = c.plattB
        x.pointee.n_knots_x = c.knotsX.count; x.pointee.knots_x = arena.copy(c.knotsX)
        x.pointee.n_knots_y = c.knotsY.count; x.pointee.knots_y = arena.copy(c.knotsY)
        x.pointee.floor = c.floor
        return x
    }

    private static func params(_ p: TrainingParameters, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__TrainingParams> {
        let t = arena.new(Grove__V1__TrainingParams.self)
        grove__v1__training_params__init(t)
        t.pointee.trees = UInt32(clamping: p.trees)
        t.pointee.max_depth = UInt32(clamping: p.maxDepth)
        t.pointee.min_samples_split = UInt32(clamping: p.minSamplesSplit)
        t.pointee.min_samples_leaf = UInt32(clamping: p.minSamplesLeaf)
        t.pointee.max_features = arena.cString(p.maxFeatures.description)
        t.pointee.seed = p.seed
        t.pointee.criterion = arena.cString(p.criterion.rawValue)
        t.pointee.bootstrap = p.bootstrap ? 1 : 0
        t.pointee.split_method = arena.cString(p.splitMethod.rawValue)
        t.pointee.max_bins = UInt32(clamping: p.maxBins)
        t.pointee.test_fraction = p.testFraction
        t.pointee.calibration = arena.cString(p.calibration == .none ? "" : p.calibration.rawValue)
        t.pointee.tuned = p.tune ? 1 : 0
        return t
    }

    private static func preprocessing(_ p: Preprocessing, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__Preprocessing> {
        let x = arena.new(Grove__V1__Preprocessing.self)
        grove__v1__preprocessing__init(x)
        x.pointee.target = arena.cString(p.target)
        x.pointee.n_columns = p.columns.count
        x.pointee.columns = arena.pointers(p.columns.count) { i in
            let c = p.columns[i]
            return CBuild.inputColumn(InputColumnInfo(name: c.name, kind: c.kind == .numeric ? .numeric : .categorical,
                                                      categories: c.categories, fillValue: c.fillValue), arena)
        }
        x.pointee.n_feature_names = p.featureNames.count
        x.pointee.feature_names = CBuild.strings(p.featureNames, arena)
        x.pointee.n_classes = p.classes.count
        x.pointee.classes = CBuild.strings(p.classes, arena)
        x.pointee.positive_class = Int32(p.positiveClass ?? -1)
        return x
    }

    /// The `Forest` message of `f` in `arena`, without its trees unless `withTrees`.
    private static func forest(_ f: Forest, _ arena: Arena, withTrees: Bool) -> UnsafeMutablePointer<Grove__V1__Forest> {
        let x = arena.new(Grove__V1__Forest.self)
        grove__v1__forest__init(x)
        x.pointee.num_features = UInt32(f.numFeatures)
        x.pointee.num_outputs = UInt32(f.numOutputs)
        x.pointee.aggregation = f.aggregation == .average ? GROVE__V1__FOREST__AGGREGATION__AVERAGE : GROVE__V1__FOREST__AGGREGATION__SUM
        switch f.link {
        case .identity: x.pointee.link = GROVE__V1__FOREST__LINK__IDENTITY
        case .logistic: x.pointee.link = GROVE__V1__FOREST__LINK__LOGISTIC
        case .softmax: x.pointee.link = GROVE__V1__FOREST__LINK__SOFTMAX
        case .softmaxZero: x.pointee.link = GROVE__V1__FOREST__LINK__SOFTMAX_ZERO
        case .probit: x.pointee.link = GROVE__V1__FOREST__LINK__PROBIT
        }
        x.pointee.n_base_score = f.baseScore.count
        x.pointee.base_score = arena.copy(f.baseScore)
        let trees = withTrees ? f.trees.count : 0
        x.pointee.n_trees = trees
        x.pointee.trees = arena.pointers(trees) { i in tree(f.trees[i], arena) }
        x.pointee.n_feature_importance = f.featureImportance.count
        x.pointee.feature_importance = arena.copy(f.featureImportance)
        x.pointee.oob_score = f.oobScore
        return x
    }

    /// The `Tree` message of `t` in `arena` (the forest's trees, and `treeBytes`).
    private static func tree(_ t: Tree, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__Tree> {
        let c = arena.new(Grove__V1__Tree.self)
        grove__v1__tree__init(c)
        c.pointee.n_feature = t.feature.count; c.pointee.feature = arena.copy(t.feature)
        c.pointee.n_threshold = t.threshold.count; c.pointee.threshold = arena.copy(t.threshold)
        c.pointee.n_left = t.left.count; c.pointee.left = arena.copy(t.left)
        c.pointee.n_right = t.right.count; c.pointee.right = arena.copy(t.right)
        // All-zero flags are written as an empty array (the schema's "all NONE").
        let flags = t.flags.contains { $0 != 0 } ? t.flags : []
        c.pointee.n_flags = flags.count; c.pointee.flags = arena.copy(flags)
        c.pointee.n_cover = t.cover.count; c.pointee.cover = arena.copy(t.cover)
        c.pointee.n_leaf_values = t.leafValues.count; c.pointee.leaf_values = arena.copy(t.leafValues)
        c.pointee.n_leaf_offset = t.leafOffset.count; c.pointee.leaf_offset = arena.copy(t.leafOffset)
        return c
    }

    // MARK: - Reading

    /// Decodes and fully validates a sealed model file (digest first). Never crashes on hostile bytes.
    public static func decode(_ bytes: [UInt8]) throws(ModelFileError) -> TrainedModel {
        try decodeSealed(bytes).model
    }

    /// The model and the signature it carries (not yet checked against any key: see
    /// `ModelSignature.verifies`), after the seal's digest and the model's validation.
    public static func decodeSealed(_ bytes: [UInt8]) throws(ModelFileError) -> (model: TrainedModel, signature: ModelSignature?) {
        guard bytes.count <= maxFileBytes else { throw .tooLarge(bytes: bytes.count, maximum: maxFileBytes) }
        let (payload, signature) = try ModelSeal.open(bytes)
        return (try decodePayload(payload), signature)
    }

    /// Decodes and validates a `ModelFile` payload (inside a seal whose digest was checked,
    /// or bytes from a fuzzer). Never crashes on hostile bytes.
    public static func decodePayload(_ bytes: [UInt8]) throws(ModelFileError) -> TrainedModel {
        guard bytes.count <= maxFileBytes else { throw .tooLarge(bytes: bytes.count, maximum: maxFileBytes) }
        guard !bytes.isEmpty else { throw .notAModelFile }
        // Packed varints expand at most 8x into C arrays; 16x the file is generous and bounded.
        let arena = Arena(chunkSize: 1 << 20, limit: max(64 << 20, bytes.count * 16))
        let result: Result<TrainedModel, ModelFileError> = bytes.withUnsafeBufferPointer { buf in
            var allocator = arena.allocator
            guard let m = grove__v1__model_file__unpack(&allocator, buf.count, buf.baseAddress) else {
                return .failure(arena.exhausted ? .tooComplex : .notAModelFile)
            }
            return Result { () throws(ModelFileError) in try model(m.pointee) }
        }
        return try result.get()
    }

    private static func model(_ m: Grove__V1__ModelFile) throws(ModelFileError) -> TrainedModel {
        guard m.format_version == TrainedModel.formatVersion else { throw .unsupportedFormat(m.format_version) }
        let task: ModelTask
        switch m.task {
        case GROVE__V1__TASK__CLASSIFICATION: task = .classification
        case GROVE__V1__TASK__REGRESSION: task = .regression
        default: throw .invalid("unknown task \(m.task.rawValue)")
        }
        guard let p = m.params?.pointee else { throw .invalid("no training parameters") }
        guard let pp = m.preprocessing?.pointee else { throw .invalid("no preprocessing") }
        guard let f = m.forest?.pointee else { throw .invalid("no forest") }
        do {
            let params = TrainingParameters(
                trees: Int(p.trees), maxDepth: Int(p.max_depth), minSamplesSplit: Int(p.min_samples_split),
                minSamplesLeaf: Int(p.min_samples_leaf),
                maxFeatures: (try? MaxFeatures(parsing: CRead.string(p.max_features))) ?? .all,
                seed: p.seed,
                criterion: SplitCriterion(rawValue: CRead.string(p.criterion)) ?? (task == .classification ? .gini : .squaredError),
                bootstrap: p.bootstrap != 0,
                splitMethod: SplitMethod(rawValue: CRead.string(p.split_method)) ?? .histogram,
                maxBins: Int(p.max_bins), testFraction: p.test_fraction,
                calibration: CalibrationMethod(rawValue: CRead.string(p.calibration)) ?? .none, tune: p.tuned != 0)
            let columns = CRead.messages(pp.n_columns, pp.columns) { c in
                InputColumn(name: CRead.string(c.name),
                            kind: c.kind == GROVE__V1__INPUT_COLUMN__KIND__CATEGORICAL ? .categorical : .numeric,
                            categories: CRead.strings(c.n_categories, c.categories), fillValue: c.fill_value)
            }
            guard pp.n_columns == columns.count else { throw ModelFileError.invalid("null column entry") }
            let preprocessing = try Preprocessing(
                target: CRead.string(pp.target), columns: columns,
                featureNames: CRead.strings(pp.n_feature_names, pp.feature_names),
                classes: CRead.strings(pp.n_classes, pp.classes),
                positiveClass: pp.positive_class >= 0 ? Int(pp.positive_class) : nil)
            let aggregation: ForestAggregation
            switch f.aggregation {
            case GROVE__V1__FOREST__AGGREGATION__AVERAGE: aggregation = .average
            case GROVE__V1__FOREST__AGGREGATION__SUM: aggregation = .sum
            default: throw ModelFileError.invalid("unknown aggregation \(f.aggregation.rawValue)")
            }
            let link: ForestLink
            switch f.link {
            case GROVE__V1__FOREST__LINK__IDENTITY: link = .identity
            case GROVE__V1__FOREST__LINK__LOGISTIC: link = .logistic
            case GROVE__V1__FOREST__LINK__SOFTMAX: link = .softmax
            case GROVE__V1__FOREST__LINK__SOFTMAX_ZERO: link = .softmaxZero
            case GROVE__V1__FOREST__LINK__PROBIT: link = .probit
            default: throw ModelFileError.invalid("unknown link \(f.link.rawValue)")
            }
            let trees = CRead.messages(f.n_trees, f.trees) { t in
                let nodes = t.n_feature
                return Tree(feature: CRead.array(t.n_feature, t.feature), threshold: CRead.array(t.n_threshold, t.threshold),
                            left: CRead.array(t.n_left, t.left), right: CRead.array(t.n_right, t.right),
                            flags: t.n_flags == 0 ? Array(repeating: 0, count: nodes) : CRead.array(t.n_flags, t.flags),
                            cover: CRead.array(t.n_cover, t.cover), leafValues: CRead.array(t.n_leaf_values, t.leaf_values),
                            leafOffset: CRead.array(t.n_leaf_offset, t.leaf_offset))
            }
            guard f.n_trees == trees.count else { throw ModelFileError.invalid("null tree entry") }
            let forest = Forest(numFeatures: Int(f.num_features), numOutputs: Int(f.num_outputs), aggregation: aggregation,
                                link: link, baseScore: CRead.array(f.n_base_score, f.base_score), trees: trees,
                                featureImportance: CRead.array(f.n_feature_importance, f.feature_importance),
                                oobScore: f.oob_score)
            let sha = m.training_data_sha256.len > 0 && m.training_data_sha256.data != nil
                ? Array(UnsafeBufferPointer(start: m.training_data_sha256.data, count: m.training_data_sha256.len)) : []
            let model = TrainedModel(
                name: CRead.string(m.name), version: m.version, createdUnixMicros: m.created_unix_micros, task: task,
                params: params, metrics: CRead.messages(m.n_metrics, m.metrics) { Metric(name: CRead.string($0.name), value: $0.value) },
                trainingDataSHA256: sha, preprocessing: preprocessing, forest: forest,
                producer: CRead.string(m.producer), trainingRows: m.training_rows,
                calibration: try calibration(m.calibration),
                outOfBagReliability: CRead.messages(m.n_oob_reliability, m.oob_reliability) { b in
                    ReliabilityBin(lower: b.lower, upper: b.upper, count: Int(clamping: b.count),
                                   meanPredicted: b.mean_predicted, observedRate: b.observed_rate)
                },
                source: m.source.map { p in
                    let s = p.pointee
                    return ModelSource(format: CRead.string(s.format), producerName: CRead.string(s.producer_name),
                                       producerVersion: CRead.string(s.producer_version),
                                       operatorName: CRead.string(s.operator_name), opset: s.opset,
                                       inputName: CRead.string(s.input_name), comparesAsFloat32: s.compares_as_float32 != 0,
                                       coverRows: s.cover_rows)
                })
            guard m.n_oob_reliability == model.outOfBagReliability.count else { throw ModelFileError.invalid("null reliability bin") }
            try model.validate()
            return model
        } catch let e as ModelFileError {
            throw e
        } catch {
            throw .invalid("\(error)")
        }
    }

    /// The calibration a file holds (absent: identity); `TrainedModel.validate` checks it.
    private static func calibration(_ c: UnsafeMutablePointer<Grove__V1__ProbabilityCalibration>?) throws(ModelFileError) -> ProbabilityCalibration {
        guard let c = c?.pointee else { return .identity }
        let method: CalibrationMethod
        switch c.method {
        case GROVE__V1__PROBABILITY_CALIBRATION__METHOD__NONE: method = .none
        case GROVE__V1__PROBABILITY_CALIBRATION__METHOD__PLATT: method = .platt
        case GROVE__V1__PROBABILITY_CALIBRATION__METHOD__ISOTONIC: method = .isotonic
        default: throw .invalid("unknown calibration method \(c.method.rawValue)")
        }
        guard c.n_knots_x <= ProbabilityCalibration.maxKnots, c.n_knots_y <= ProbabilityCalibration.maxKnots else {
            throw .invalid("more than \(ProbabilityCalibration.maxKnots) calibration knots")
        }
        return ProbabilityCalibration(method: method, plattA: c.platt_a, plattB: c.platt_b,
                                      knotsX: CRead.array(c.n_knots_x, c.knots_x), knotsY: CRead.array(c.n_knots_y, c.knots_y),
                                      floor: c.floor)
    }

    // MARK: - Identity

    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lower-case hex SHA-256 of the bytes in `buffer` (no copy).
    public static func sha256Hex(_ buffer: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: buffer))
    }

    /// A digest's bytes as lower-case hex.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The raw SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// The raw SHA-256 of the bytes in `buffer` (no copy).
    public static func sha256(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        Array(SHA256.hash(data: buffer))
    }
}
