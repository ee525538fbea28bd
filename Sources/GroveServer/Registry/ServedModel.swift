// ServedModel: one loaded, validated, compiled model version, ready to answer on any loop.

import Foundation
import GroveForest
import GroveModelStore
import GroveSystem
import GroveWire
import Synchronization

/// Immutable after load (only its stats change), shared by all loops. A
/// request that resolved a ServedModel finishes on it even if a newer
/// snapshot retires it meanwhile (ARC keeps it alive).
final class ServedModel: @unchecked Sendable {  // model immutable after load; stats per loop slot (single writer)
    let info: ModelInfo
    let model: TrainedModel
    let compiled: CompiledForest
    /// Predictions, rows, errors and latency, one slot per event loop (merged when read).
    let stats: ModelStatsSlots
    /// The explainer (built at load), or why this version cannot be explained.
    let explainer: Result<ModelExplainer, ExplanationError>
    /// Per event loop: the reasons' texts by column for the model's reasons file.
    private let reasonTexts: [ReasonTextsSlot]
    /// Per encoded feature: the value a NaN (missing) takes: the training mean
    /// for numeric features, 0 for one-hot indicators.
    private let fill: [Double]
    private let featureCount: Int
    private let outputCount: Int
    private let isClassification: Bool
    private let target: String
    /// The name as a C string, for responses packed without allocating.
    let cName: UnsafeMutablePointer<CChar>
    /// For Explain answers packed without allocating: the input column names, the encoded
    /// feature names, and the scale (`ExplainResponse.scale`).
    private let cColumns: CStringList
    private let cFeatureNames: CStringList
    private let cScale: CStringList
    /// The class whose probability `model.calibration` maps.
    private let calibratedClass: Int
    /// Raw records read in place (the record hot path).
    private let recordEncoder: RecordEncoder
    /// Distinct for every ServedModel made by this process (never reused, unlike an address):
    /// what a loop's RecordOrder remembers instead of a reference.
    let serial: UInt64
    private static let serials = Atomic<UInt64>(0)

    /// Largest number of rows scored in one request (a frame of 4 MiB holds at
    /// most about 500k one-feature rows; this bounds the answer's size too).
    static let maxRowsPerRequest = 1_000_000
    /// Input notes one answer may carry. A record costs two bytes on the wire and may bring
    /// one note per column: without a bound, a 2 MB request of empty records would build an
    /// answer of gigabytes (20 million notes) before its size could refuse it. A million notes
    /// take about 150 MB while the answer is built.
    static let maxNotesPerAnswer = 1_000_000
    /// Encoded values (rows x encoded features) one request may take: 32 Mi doubles, 256 MiB.
    /// Records are encoded into a matrix of that size before anything else is known of them,
    /// and an empty record costs two bytes on the wire; a model with wide one-hot columns
    /// multiplies it. Dense rows are bounded by their frame (8 bytes a value).
    static let maxEncodedValues = 32 * 1024 * 1024

    init(model: TrainedModel, sha256: String, loops: Int, signer: String = "", signerKeySHA256: String = "") throws {
        self.model = model
        compiled = try CompiledForest(forest: model.forest)
        featureCount = model.forest.numFeatures
        outputCount = model.forest.numOutputs
        isClassification = model.task == .classification
        target = model.preprocessing.target
        var fill = [Double](repeating: 0, count: featureCount)
        for (i, c) in model.preprocessing.columns.enumerated() where c.kind == .numeric {
            let f = model.preprocessing.firstFeature(ofColumn: i)
            if f < fill.count { fill[f] = c.fillValue }
        }
        self.fill = fill
        calibratedClass = model.calibratedClass
        recordEncoder = RecordEncoder(model.preprocessing)
        serial = Self.serials.add(1, ordering: .relaxed).newValue
        cName = strdup(model.name)!
        cColumns = CStringList(model.preprocessing.columns.map(\.name))
        cFeatureNames = CStringList(model.preprocessing.featureNames)
        cScale = CStringList([Self.scale(link: model.forest.link, classification: model.task == .classification)])
        do {
            explainer = .success(try ModelExplainer(preprocessing: model.preprocessing, forest: model.forest))
        } catch let error as ExplanationError {
            explainer = .failure(error)
        }
        let p = model.preprocessing
        var explainError = ""
        if case let .failure(e) = explainer { explainError = e.description }
        var info = ModelInfo(
            name: model.name, version: model.version,
            task: model.task == .classification ? .classification : .regression,
            classes: p.classes, positiveClass: p.positiveClass,
            inputs: p.columns.map { InputColumnInfo(name: $0.name, kind: $0.kind == .numeric ? .numeric : .categorical,
                                                    categories: $0.categories, fillValue: $0.fillValue) },
            featureNames: p.featureNames,
            metrics: model.metrics.map { NamedValue($0.name, $0.value) },
            sha256: sha256, createdUnixMicros: model.createdUnixMicros,
            trees: UInt32(model.forest.trees.count), target: p.target,
            explainable: explainError.isEmpty, explainError: explainError,
            signer: signer, signerKeySHA256: signerKeySHA256,
            calibration: model.calibration.method.rawValue)
        info.source = model.source?.format ?? "grove"
        if let src = model.source {
            info.producer = "\(src.producerName) \(src.producerVersion)".trimmingCharacters(in: .whitespaces)
            info.sourceOperator = "\(src.operatorName) (ai.onnx.ml opset \(src.opset))"
        }
        info.ensemble = model.forest.aggregation.rawValue
        info.link = model.forest.link.rawValue
        self.info = info
        stats = ModelStatsSlots(name: model.name, version: model.version, loops: loops)
        reasonTexts = (0..<max(1, loops)).map { _ in ReasonTextsSlot() }
    }

    /// Loop `loop`'s reason texts of `catalog` for this version's columns.
    private func resolvedTexts(_ explainer: ModelExplainer, _ catalog: ReasonCatalog, loop: Int) -> ReasonTexts {
        reasonTexts[loop % reasonTexts.count].texts(for: catalog, preprocessing: explainer.preprocessing)
    }

    deinit { free(cName) }

    /// The hot path: scores dense rows read in place and writes the response frame.
    /// Returns nil when answered, or the error status to send instead. Allocates nothing.
    /// The rows hold no NaN (`PredictRequestReader` and `PredictView.densePredict()` leave NaN
    /// to the ordinary path): rows with missing values carry notes, which only the ordinary
    /// path (`predict`) builds. `loop`: the calling event
    /// loop's index (its stats slot).
    func predictDense(_ dense: UnsafeBufferPointer<Double>, labelsOnly: Bool, id: UInt64, loop: Int,
                      scratch: PredictScratch, into output: ByteBuffer) -> Status? {
        let started = MonotonicClock.now()
        let stats = self.stats.slot(loop)
        let rows: Int
        switch rowCount(denseValues: dense.count) {
        case let .success(n): rows = n
        case let .failure(status):
            stats.recordError()
            return status
        }
        if let failure = score(dense, rows: rows, labelsOnly: labelsOnly, id: id, scratch: scratch, into: output) {
            stats.recordError()
            return failure
        }
        stats.record(rows: rows, nanos: MonotonicClock.now() &- started)
        return nil
    }

    /// The hot path with inline reasons (`PredictRequest.reasons`): scores and explains dense
    /// rows read in place (no NaN, as `predictDense`) and writes the response frame with each
    /// row's reasons, exactly as the ordinary path (`predict`) would. Returns false, having
    /// written and counted nothing, when the ordinary path must answer instead (this version
    /// cannot be explained, `reasons` is above `ModelExplainer.maxTopK`, or the rows are not
    /// whole). Allocates nothing once the loop's scratch has grown to the request's size.
    func predictDense(_ dense: UnsafeBufferPointer<Double>, labelsOnly: Bool, reasons topK: Int, catalog: ReasonCatalog,
                      id: UInt64, loop: Int, scratch: PredictScratch, into output: ByteBuffer) -> Bool {
        let started = MonotonicClock.now()
        guard topK > 0, let (explainer, rows, explained, columnCount, explainScratch) = explainInPlace(dense, topK: topK, scratch: scratch)
        else { return false }
        let packed = scratch.reasons
        let texts = resolvedTexts(explainer, catalog, loop: loop)
        // A row has at most one reason per input column: room for more would only be sized by
        // the caller's top_k (up to 64 per row of a 4 MiB frame), never used, and kept by the loop.
        packed.start(rows: rows, reasonsPerRow: min(topK, columnCount))
        let grouped = UnsafeBufferPointer(rebasing: scratch.columns[0..<columnCount])
        // The prediction's walk runs while the explanation helper explains the second half of
        // the first row's trees (this thread would only wait for it): the same answer, sooner.
        var walked = false, failure: Status?
        for r in 0..<rows {
            let row = UnsafeBufferPointer(rebasing: dense[(r * featureCount)..<((r + 1) * featureCount)])
            explainer.contributions(row: row, output: explained, scratch: explainScratch, phi: scratch.phi, columns: scratch.columns) {
                guard r == 0 else { return }
                failure = runScored(dense, rows: rows, scratch: scratch)
                walked = true
            }
            Self.appendReasons(explainer, row: row, columns: grouped, topK: topK, texts: texts, scratch: scratch, into: packed)
        }
        if let label = explainedClass(explained) { packed.setExplainedClass(label) }
        // A failed walk wrote nothing: the ordinary path scores again and reports the failure.
        guard walked, failure == nil else { return false }
        writeAnswer(rows: rows, labelsOnly: labelsOnly, id: id, scratch: scratch, reasons: packed, into: output)
        stats.slot(loop).record(rows: rows, nanos: MonotonicClock.now() &- started)
        return true
    }

    /// The record hot path: encodes raw records read in place and answers as `predictDense`
    /// does, when every record names each column once with a value that needs no note (see
    /// `RecordEncoder`). Returns false, having written and counted nothing, when the request
    /// needs the ordinary path (`predict`), which then answers it (with notes, or an error):
    /// so both paths give the same answer. Allocates nothing.
    func predictRecords(_ records: RawRecordsView, labelsOnly: Bool, id: UInt64, loop: Int,
                        scratch: PredictScratch, order: RecordOrder, into output: ByteBuffer) -> Bool {
        let started = MonotonicClock.now()
        let rows = records.count
        guard rows > 0, rows <= Self.maxRowsPerRequest, rows * featureCount <= Self.maxEncodedValues else { return false }
        scratch.reserve(inputCount: rows * featureCount)
        let input = UnsafeMutableBufferPointer(rebasing: scratch.inputs[0..<(rows * featureCount)])
        guard recordEncoder.encode(records, serial: serial, order: order, into: input) else { return false }
        // A failed score wrote nothing: the ordinary path scores again and reports the failure.
        if score(UnsafeBufferPointer(input), rows: rows, labelsOnly: labelsOnly, id: id, scratch: scratch, into: output) != nil {
            return false
        }
        stats.slot(loop).record(rows: rows, nanos: MonotonicClock.now() &- started)
        return true
    }

    /// Scores `rows` encoded rows into the loop's scratch and writes the response frame; nil
    /// when answered, else the status to send (nothing written). Allocates nothing.
    /// `reasons`: the inline reason lists to pack with the answer, if asked for.
    private func score(_ input: UnsafeBufferPointer<Double>, rows: Int, labelsOnly: Bool, id: UInt64,
                       scratch: PredictScratch, reasons: ReasonListBuffer? = nil, into output: ByteBuffer) -> Status? {
        if let failure = runScored(input, rows: rows, scratch: scratch) { return failure }
        writeAnswer(rows: rows, labelsOnly: labelsOnly, id: id, scratch: scratch, reasons: reasons, into: output)
        return nil
    }

    /// `score`'s first half: the `rows` rows' outputs into the loop's scratch; nil, or the
    /// failure to report. Allocates nothing.
    private func runScored(_ input: UnsafeBufferPointer<Double>, rows: Int, scratch: PredictScratch) -> Status? {
        scratch.reserve(outputCount: rows * outputCount, classCount: rows)
        return run(input, rows: rows, into: UnsafeMutableBufferPointer(rebasing: scratch.outputs[0..<(rows * outputCount)]))
    }

    /// `score`'s second half: the response frame from the outputs `runScored` left in the scratch.
    private func writeAnswer(rows: Int, labelsOnly: Bool, id: UInt64, scratch: PredictScratch, reasons: ReasonListBuffer?,
                       into output: ByteBuffer) {
        let out = UnsafeMutableBufferPointer(rebasing: scratch.outputs[0..<(rows * outputCount)])
        let none = UnsafeBufferPointer<Double>(start: nil, count: 0)
        if isClassification {
            let k = outputCount
            for r in 0..<rows { scratch.classes[r] = classIndex(of: r, in: UnsafeBufferPointer(out)) }
            PredictResponseWriter.write(
                id: id, modelName: cName, version: info.version, rows: rows, numClasses: k,
                probabilities: labelsOnly ? none : UnsafeBufferPointer(out),
                classIndex: UnsafeBufferPointer(rebasing: scratch.classes[0..<rows]), values: none, reasons: reasons, into: output)
        } else {
            PredictResponseWriter.write(
                id: id, modelName: cName, version: info.version, rows: rows, numClasses: 0, probabilities: none,
                classIndex: UnsafeBufferPointer(start: nil, count: 0), values: UnsafeBufferPointer(out), reasons: reasons, into: output)
        }
    }

    /// Reads, decodes, validates and compiles a model file (off the hot path). The seal's digest
    /// is checked first; a signature present must verify; with `trusted`, the file must carry a
    /// valid signature by one of its keys.
    static func load(file: URL, name: String, version: UInt64, trusted: TrustedSigners?, loops: Int) -> Result<ServedModel, ModelLoadError> {
        let bytes: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            guard size <= UInt64(ModelFileCodec.maxFileBytes) else {
                return .failure(ModelLoadError(ModelFileError.tooLarge(bytes: Int(clamping: size), maximum: ModelFileCodec.maxFileBytes).description))
            }
            try handle.seek(toOffset: 0)
            bytes = [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            return .failure(ModelLoadError("cannot read the model file"))
        }
        let model: TrainedModel
        let signature: ModelSignature?
        do {
            (model, signature) = try ModelFileCodec.decodeSealed(bytes)
        } catch {
            return .failure(ModelLoadError(error.description))
        }
        var signer = ""
        if let signature {
            guard signature.verifies(model) else {
                return .failure(ModelLoadError("its signature (key sha256 \(signature.keySHA256Hex.prefix(16))…) does not verify: the model was changed after signing, or the signature is not genuine"))
            }
            if let trusted {
                guard let name = trusted.name(of: signature.publicKey) else {
                    return .failure(ModelLoadError("signed by key sha256 \(signature.keySHA256Hex.prefix(16))…, which is not in --trusted-signers"))
                }
                signer = name
            } else {
                signer = "\(signature.signer) (not a trusted signer)"
            }
        } else if trusted != nil {
            return .failure(ModelLoadError("unsigned: this server serves only models signed by a trusted signer (--trusted-signers); sign it with `grove sign`"))
        }
        guard model.name == name else {
            return .failure(ModelLoadError("the file names model '\(model.name)', but it is stored under '\(name)'"))
        }
        guard model.version == version else {
            return .failure(ModelLoadError("the file says version \(model.version), but it is stored as version \(version)"))
        }
        do {
            return .success(try ServedModel(model: model, sha256: ModelFileCodec.sha256Hex(bytes), loops: loops,
                                            signer: signer, signerKeySHA256: signature?.keySHA256Hex ?? ""))
        } catch {
            return .failure(ModelLoadError("\(error)"))
        }
    }

    /// Scores a request's rows. Errors are INVALID_ARGUMENT with a message naming what was wrong.
    /// What was filled in is noted per row; with `strict` (the request's flag or the server's
    /// --strict-inputs) any note is INVALID_ARGUMENT naming the rows and columns instead.
    /// `loop`: the calling event loop's index (its stats slot); `scratch`: its buffers (inline
    /// reasons are explained with its explanation scratch).
    func predict(_ request: PredictRequest, strict: Bool, loop: Int, scratch: PredictScratch,
                 catalog: ReasonCatalog = ReasonCatalog()) -> Result<PredictResponse, Status> {
        let started = MonotonicClock.now()
        let stats = self.stats.slot(loop)
        let result = score(request, strict: strict || request.strict, scratch: scratch, catalog: catalog)
        let elapsed = MonotonicClock.now() &- started
        switch result {
        case let .success(r): stats.record(rows: Int(r.rows), nanos: elapsed)
        case .failure: stats.recordError()
        }
        return result
    }

    private func score(_ request: PredictRequest, strict: Bool, scratch: PredictScratch, catalog: ReasonCatalog) -> Result<PredictResponse, Status> {
        let rows: Int
        let encoded: [Double]
        let notes: [InputNote]
        switch encode(dense: request.dense, records: request.records) {
        case let .success(r): (rows, encoded, notes) = r
        case let .failure(status): return .failure(status)
        }
        if strict && !notes.isEmpty {
            return .failure(Status(.invalidArgument, "strict inputs: nothing is filled in, and \(notes.count) input(s) would be: \(InputNote.summary(notes))"))
        }
        var outputs = [Double](repeating: 0, count: rows * outputCount)
        let failure = encoded.withUnsafeBufferPointer { input in
            outputs.withUnsafeMutableBufferPointer { out in run(input, rows: rows, into: out) }
        }
        if let failure { return .failure(failure) }
        var response = PredictResponse(model: info.name, version: info.version, rows: UInt32(rows), notes: notes.map(RowNote.init))
        if isClassification {
            response.numClasses = UInt32(outputCount)
            response.classIndex = outputs.withUnsafeBufferPointer { out in (0..<rows).map { classIndex(of: $0, in: out) } }
            if !request.labelsOnly { response.probabilities = outputs }
        } else {
            response.values = outputs
        }
        if request.reasons > 0 {
            let explained = explain(encoded, rows: rows, dense: request.dense, records: request.records, topK: Int(request.reasons),
                                    classLabel: "", contributions: false, features: false, scratch: scratch, catalog: catalog)
            switch explained {
            case let .failure(status): return .failure(status)
            case let .success(e):
                response.reasons = e.rows.map(\.reasons)
                response.explainedClass = e.explainedClass
            }
        }
        return .success(response)
    }

    /// Explains a request's rows with this version. FAILED_PRECONDITION when the
    /// version cannot be explained (no node cover); INVALID_ARGUMENT for bad rows.
    /// `loop`: the calling event loop's index (its stats slot); `scratch`: its buffers.
    func explain(_ request: ExplainRequest, loop: Int, scratch: PredictScratch, catalog: ReasonCatalog) -> Result<ExplainResponse, Status> {
        let stats = self.stats.slot(loop)
        let result: Result<ExplainResponse, Status>
        switch encode(dense: request.dense, records: request.records) {
        case let .failure(status): result = .failure(status)
        case let .success((rows, encoded, _)):
            result = explain(encoded, rows: rows, dense: request.dense, records: request.records,
                             topK: request.topK == 0 ? ModelExplainer.defaultTopK : Int(request.topK),
                             classLabel: request.classLabel, contributions: request.contributions,
                             features: request.encodedFeatures, scratch: scratch, catalog: catalog)
        }
        switch result {
        case let .success(r): stats.recordExplanation(rows: r.rows.count)
        case .failure: stats.recordError()
        }
        return result
    }

    /// Explains `encoded` (`encode`'s rows); the reasons' value texts come from the request's
    /// own values: `dense` as sent (before NaN was filled), or `records`.
    private func explain(_ encoded: [Double], rows: Int, dense: [Double], records: [RawRecord], topK: Int, classLabel: String,
                         contributions: Bool, features: Bool, scratch loopScratch: PredictScratch,
                         catalog: ReasonCatalog) -> Result<ExplainResponse, Status> {
        let explainer: ModelExplainer
        switch self.explainer {
        case let .success(e): explainer = e
        case let .failure(error):
            return .failure(Status(.failedPrecondition, "model '\(info.name)' version \(info.version) cannot be explained: \(error)"))
        }
        guard topK <= ModelExplainer.maxTopK else {
            return .failure(Status(.invalidArgument, "top_k \(topK) is above the maximum \(ModelExplainer.maxTopK)"))
        }
        let output: Int
        do {
            output = try explainer.output(forClass: classLabel)
        } catch {
            return .failure(Status(.invalidArgument, "\(error)"))
        }
        let scratch = loopScratch.explainScratch(for: explainer.forest)
        var out: [ExplainRow] = []
        out.reserveCapacity(rows)
        let width = featureCount
        do {
            try encoded.withUnsafeBufferPointer { all in try dense.withUnsafeBufferPointer { sent in
                for r in 0..<rows {
                    let span = (r * width)..<((r + 1) * width)
                    let row = UnsafeBufferPointer(rebasing: all[span])
                    let values = sent.count == all.count ? UnsafeBufferPointer(rebasing: sent[span]) : nil
                    let fields = r < records.count ? records[r].recordFields(excluding: target) : nil
                    let e = try explainer.explain(row: row, values: values, record: fields, output: output, topK: topK,
                                                  catalog: catalog, features: features, scratch: scratch)
                    out.append(ExplainRow(
                        prediction: e.prediction, baseValue: e.baseValue, contributions: contributions ? e.columns : [],
                        featureContributions: e.features,
                        reasons: e.reasons.map { ReasonCode(column: $0.column, contribution: $0.contribution, value: $0.value,
                                                            code: $0.code, text: $0.text) }))
                }
            } }
        } catch {
            return .failure(Status(.internal, "explanation failed: \(error)"))
        }
        let p = model.preprocessing
        let scale = Self.scale(link: explainer.forest.link, classification: isClassification)
        return .success(ExplainResponse(
            model: info.name, version: info.version,
            explainedClass: explainedClass(output) ?? "", scale: scale,
            columns: contributions ? p.columns.map(\.name) : [], featureNames: features ? p.featureNames : [], rows: out))
    }

    /// What an explanation's numbers measure (`ExplainResponse.scale`).
    private static func scale(link: ForestLink, classification: Bool) -> String {
        link != .identity ? "margin" : classification ? "probability" : "value"
    }

    /// The Explain hot path: explains dense rows read in place (no NaN) for the default class
    /// and writes the response frame, exactly as the ordinary path (`explain`) would. Returns
    /// false, having written and counted nothing, when the ordinary path must answer instead
    /// (this version cannot be explained, `topK` is above `ModelExplainer.maxTopK`, or the rows
    /// are not whole). `topK` 0: `ModelExplainer.defaultTopK`. Allocates nothing once the
    /// loop's scratch has grown to the request's size.
    func explainDense(_ dense: UnsafeBufferPointer<Double>, topK asked: Int, contributions: Bool, features: Bool,
                      catalog: ReasonCatalog, id: UInt64, loop: Int, scratch: PredictScratch, into output: ByteBuffer) -> Bool {
        let topK = asked == 0 ? ModelExplainer.defaultTopK : asked
        guard let (explainer, rows, explained, columnCount, explainScratch) = explainInPlace(dense, topK: topK, scratch: scratch)
        else { return false }
        let answer = scratch.explainRows
        let texts = resolvedTexts(explainer, catalog, loop: loop)
        answer.start(rows: rows, columns: columnCount, features: featureCount, reasonsPerRow: min(topK, columnCount),
                     sendColumns: contributions, sendFeatures: features)
        for r in 0..<rows {
            let row = UnsafeBufferPointer(rebasing: dense[(r * featureCount)..<((r + 1) * featureCount)])
            let grouped = answer.contributions(r)
            let totals = explainer.explain(row: row, output: explained, scratch: explainScratch, phi: answer.features(r), columns: grouped)
            answer.setRow(r, prediction: totals.prediction, baseValue: totals.baseValue)
            Self.appendReasons(explainer, row: row, columns: UnsafeBufferPointer(grouped), topK: topK, texts: texts,
                               scratch: scratch, into: answer.reasons)
        }
        if let label = explainedClass(explained) { answer.reasons.setExplainedClass(label) }
        ExplainResponseWriter.write(id: id, modelName: cName, version: info.version, scale: cScale[0],
                                    columns: contributions ? cColumns : nil, featureNames: features ? cFeatureNames : nil,
                                    rows: answer, into: output)
        stats.slot(loop).recordExplanation(rows: rows)
        return true
    }

    /// What both explanation hot paths need to explain `dense` in place: the explainer, the
    /// number of rows, the output explained (the default class, as `output(forClass: "")`, the
    /// ordinary path's choice), the input column count and the loop's explanation scratch, with
    /// room for one row and `topK` reasons reserved; nil when the ordinary path must answer (this
    /// version cannot be explained, `topK` is above `ModelExplainer.maxTopK`, or the rows are not
    /// whole).
    private func explainInPlace(_ dense: UnsafeBufferPointer<Double>, topK: Int, scratch: PredictScratch)
        -> (ModelExplainer, rows: Int, explained: Int, columnCount: Int, ExplainScratch)? {
        guard case let .success(explainer) = self.explainer, topK <= ModelExplainer.maxTopK,
              case let .success(rows) = rowCount(denseValues: dense.count) else { return nil }
        let columnCount = explainer.preprocessing.columns.count
        let explainScratch = scratch.explainScratch(for: explainer.forest)
        scratch.reserve(features: featureCount, columns: columnCount, reasons: topK)
        return (explainer, rows, explainer.defaultOutput, columnCount, explainScratch)
    }

    /// The class label an explanation of output `explained` names (`explained_class`), or nil
    /// (regression, or an output that is not a class).
    private func explainedClass(_ explained: Int) -> String? {
        let classes = model.preprocessing.classes
        return isClassification && explained < classes.count ? classes[explained] : nil
    }

    /// Appends one row's reasons (from its per-column contributions `columns`) to `packed`:
    /// the hot paths' twin of `ModelExplainer.reasons` (the same texts, from `texts`),
    /// allocating nothing (but `ReasonTexts.withValue`'s text of a long non-integral number).
    /// `row` is the request's row as sent, which the value texts read: the hot paths take no
    /// NaN, so it is also the row explained (nothing was filled in).
    private static func appendReasons(_ explainer: ModelExplainer, row: UnsafeBufferPointer<Double>, columns grouped: UnsafeBufferPointer<Double>,
                                      topK: Int, texts: ReasonTexts, scratch: PredictScratch, into packed: ReasonListBuffer) {
        let n = explainer.topColumns(grouped, topK: topK, into: scratch.reasonColumns)
        packed.beginRow()
        for i in 0..<n {
            let c = scratch.reasonColumns[i]
            texts.withValue(c, row: row) { value in
                packed.append(contribution: grouped[c], column: texts.name(c), value: value, code: texts.code(c), text: texts.text(c))
            }
        }
    }

    /// The encoded rows of a request (dense, NaN filled, or records through the
    /// preprocessing) with a note for each input filled in, or INVALID_ARGUMENT saying what is wrong.
    private func encode(dense: [Double], records: [RawRecord]) -> Result<(rows: Int, encoded: [Double], notes: [InputNote]), Status> {
        let hasDense = !dense.isEmpty
        let hasRecords = !records.isEmpty
        if hasDense && hasRecords {
            return .failure(Status(.invalidArgument, "send dense rows or raw records, not both"))
        }
        let rows: Int
        var encoded: [Double]
        var notes: [InputNote] = []
        if hasDense {
            switch rowCount(denseValues: dense.count) {
            case let .success(n): rows = n
            case let .failure(status): return .failure(status)
            }
            encoded = dense
            let names = model.preprocessing.featureNames
            for i in encoded.indices where encoded[i].isNaN {
                encoded[i] = fill[i % featureCount]
                let f = i % featureCount
                guard notes.count < Self.maxNotesPerAnswer else { return .failure(Self.tooManyNotes) }
                notes.append(InputNote(row: UInt32(i / featureCount), column: f < names.count ? names[f] : "feature \(f)", kind: .missing))
            }
        } else if hasRecords {
            rows = records.count
            guard rows <= Self.maxRowsPerRequest else {
                return .failure(Status(.invalidArgument, "\(rows) rows in one request; the maximum is \(Self.maxRowsPerRequest)"))
            }
            guard rows * featureCount <= Self.maxEncodedValues else {
                return .failure(Status(.resourceExhausted, "\(rows) records of \(featureCount) encoded features are \(rows * featureCount) values; one request may encode at most \(Self.maxEncodedValues): send fewer rows per request"))
            }
            encoded = [Double](repeating: 0, count: rows * featureCount)
            let failure: Status? = encoded.withUnsafeMutableBufferPointer { out in
                for (r, record) in records.enumerated() {
                    // A record may carry the target column (a labelled CSV row): it is ignored.
                    let fields = record.recordFields(excluding: target)
                    do {
                        try model.preprocessing.encode(record: fields, into: UnsafeMutableBufferPointer(rebasing: out[(r * featureCount)...]),
                                                       row: UInt32(r), notes: &notes)
                    } catch {
                        return Status(.invalidArgument, "record \(r): \(error)")
                    }
                    if notes.count > Self.maxNotesPerAnswer { return Self.tooManyNotes }
                }
                return nil
            }
            if let failure { return .failure(failure) }
        } else {
            return .failure(Status(.invalidArgument, "no rows: send dense features or raw records"))
        }
        return .success((rows, encoded, notes))
    }

    static let tooManyNotes = Status(.resourceExhausted, "more than \(maxNotesPerAnswer) input values would be filled in or are unseen categories (one input note each): send fewer rows per request, or rows with their values")

    // MARK: - Shared by both paths

    /// Rows in `denseValues` encoded values, or INVALID_ARGUMENT naming the expected width or the row cap.
    private func rowCount(denseValues: Int) -> Result<Int, Status> {
        guard denseValues % featureCount == 0 else {
            return .failure(Status(.invalidArgument,
                "model '\(info.name)' version \(info.version) expects \(featureCount) features per row; got \(denseValues) values, not a multiple of \(featureCount)"))
        }
        let rows = denseValues / featureCount
        guard rows <= Self.maxRowsPerRequest else {
            return .failure(Status(.invalidArgument, "\(rows) rows in one request; the maximum is \(Self.maxRowsPerRequest)"))
        }
        return .success(rows)
    }

    /// Scores `rows` rows into `out` on the calling thread, calibrated as the model says;
    /// nil on success. Allocates nothing.
    private func run(_ input: UnsafeBufferPointer<Double>, rows: Int, into out: UnsafeMutableBufferPointer<Double>) -> Status? {
        do {
            if rows == 1 {
                try compiled.predict(row: input, into: out)
            } else {
                try compiled.predict(rows: input, rowCount: rows, into: out, threads: 1)
            }
            model.calibration.apply(rows: rows, positiveClass: calibratedClass, to: out)
            return nil
        } catch {
            return Status(.internal, "prediction failed: \(error)")
        }
    }

    /// The most probable class of row `r` (ties to the lower index).
    private func classIndex(of r: Int, in out: UnsafeBufferPointer<Double>) -> UInt32 {
        UInt32(CompiledForest.argmax(UnsafeBufferPointer(rebasing: out[(r * outputCount)..<((r + 1) * outputCount)])))
    }
}
