// ServedModel: one loaded, validated, compiled model version, ready to answer on any loop.

import Foundation
import GroveForest
import GroveWire

/// Immutable after load (only its stats change), shared by all loops. A
/// request that resolved a ServedModel finishes on it even if a newer
/// snapshot retires it meanwhile (ARC keeps it alive).
final class ServedModel: @unchecked Sendable {
    let info: ModelInfo
    let model: TrainedModel
    let compiled: CompiledForest
    let stats: ModelStatsRecorder
    /// Per encoded feature: the value a NaN (missing) takes: the training mean
    /// for numeric features, 0 for one-hot indicators.
    private let fill: [Double]
    private let featureCount: Int
    private let outputCount: Int
    private let isClassification: Bool
    private let target: String
    /// The name as a C string, for responses packed without allocating.
    let cName: UnsafeMutablePointer<CChar>
    /// True when no encoded feature needs a NaN fill (no scan needed).
    private let hasFill: Bool
    /// The class whose probability `model.calibration` maps.
    private let calibratedClass: Int

    /// Largest number of rows scored in one request (a frame of 4 MiB holds at
    /// most about 500k one-feature rows; this bounds the answer's size too).
    static let maxRowsPerRequest = 1_000_000

    init(model: TrainedModel, sha256: String) throws {
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
        hasFill = !model.preprocessing.columns.isEmpty
        calibratedClass = model.calibratedClass
        cName = strdup(model.name)!
        let p = model.preprocessing
        info = ModelInfo(
            name: model.name, version: model.version,
            task: model.task == .classification ? .classification : .regression,
            classes: p.classes, positiveClass: p.positiveClass,
            inputs: p.columns.map { InputColumnInfo(name: $0.name, kind: $0.kind == .numeric ? .numeric : .categorical,
                                                    categories: $0.categories, fillValue: $0.fillValue) },
            featureNames: p.featureNames,
            metrics: model.metrics.map { NamedValue($0.name, $0.value) },
            sha256: sha256, createdUnixMicros: model.createdUnixMicros,
            trees: UInt32(model.forest.trees.count), target: p.target,
            calibration: model.calibration.method.rawValue)
        stats = ModelStatsRecorder(name: model.name, version: model.version)
    }

    deinit { free(cName) }

    /// The hot path: scores dense rows read in place and writes the response frame.
    /// Returns nil when answered, or the error status to send instead. Allocates nothing.
    func predictDense(_ dense: UnsafeBufferPointer<Double>, labelsOnly: Bool, id: UInt64,
                      scratch: PredictScratch, into output: ByteBuffer) -> Status? {
        let started = DispatchTime.now().uptimeNanoseconds
        let rows: Int
        switch rowCount(denseValues: dense.count) {
        case let .success(n): rows = n
        case let .failure(status):
            stats.recordError()
            return status
        }
        scratch.reserve(outputCount: rows * outputCount, rowValues: dense.count, classCount: rows)
        // NaN means missing: fill from the training means, in a copy (the request is read-only).
        var input = dense
        if hasFill, dense.contains(where: { $0.isNaN }) {
            let copy = scratch.rows
            for i in 0..<dense.count { copy[i] = dense[i].isNaN ? fill[i % featureCount] : dense[i] }
            input = UnsafeBufferPointer(start: copy.baseAddress, count: dense.count)
        }
        let out = UnsafeMutableBufferPointer(rebasing: scratch.outputs[0..<(rows * outputCount)])
        if let failure = run(input, rows: rows, into: out) {
            stats.recordError()
            return failure
        }
        let none = UnsafeBufferPointer<Double>(start: nil, count: 0)
        if isClassification {
            let k = outputCount
            for r in 0..<rows { scratch.classes[r] = classIndex(of: r, in: UnsafeBufferPointer(out)) }
            PredictResponseWriter.write(
                id: id, modelName: cName, version: info.version, rows: rows, numClasses: k,
                probabilities: labelsOnly ? none : UnsafeBufferPointer(out),
                classIndex: UnsafeBufferPointer(rebasing: scratch.classes[0..<rows]), values: none, into: output)
        } else {
            PredictResponseWriter.write(
                id: id, modelName: cName, version: info.version, rows: rows, numClasses: 0, probabilities: none,
                classIndex: UnsafeBufferPointer(start: nil, count: 0), values: UnsafeBufferPointer(out), into: output)
        }
        stats.record(rows: rows, nanos: DispatchTime.now().uptimeNanoseconds &- started)
        return nil
    }

    /// Reads, decodes, validates and compiles a model file (off the hot path).
    static func load(file: URL, name: String, version: UInt64) -> Result<ServedModel, ModelLoadError> {
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
        do {
            model = try ModelFileCodec.decode(bytes)
        } catch {
            return .failure(ModelLoadError(error.description))
        }
        guard model.name == name else {
            return .failure(ModelLoadError("the file names model '\(model.name)', but it is stored under '\(name)'"))
        }
        guard model.version == version else {
            return .failure(ModelLoadError("the file says version \(model.version), but it is stored as version \(version)"))
        }
        do {
            return .success(try ServedModel(model: model, sha256: ModelFileCodec.sha256Hex(bytes)))
        } catch {
            return .failure(ModelLoadError("\(error)"))
        }
    }

    /// Scores a request's rows. Errors are INVALID_ARGUMENT with a message naming what was wrong.
    func predict(_ request: PredictRequest) -> Result<PredictResponse, Status> {
        let started = DispatchTime.now().uptimeNanoseconds
        let result = score(request)
        let elapsed = DispatchTime.now().uptimeNanoseconds &- started
        switch result {
        case let .success(r): stats.record(rows: Int(r.rows), nanos: elapsed)
        case .failure: stats.recordError()
        }
        return result
    }

    private func score(_ request: PredictRequest) -> Result<PredictResponse, Status> {
        let hasDense = !request.dense.isEmpty
        let hasRecords = !request.records.isEmpty
        if hasDense && hasRecords {
            return .failure(Status(.invalidArgument, "send dense rows or raw records, not both"))
        }
        let rows: Int
        var encoded: [Double]
        if hasDense {
            switch rowCount(denseValues: request.dense.count) {
            case let .success(n): rows = n
            case let .failure(status): return .failure(status)
            }
            encoded = request.dense
            for i in encoded.indices where encoded[i].isNaN {
                encoded[i] = fill[i % featureCount]
            }
        } else if hasRecords {
            rows = request.records.count
            encoded = [Double](repeating: 0, count: rows * featureCount)
            let failure: Status? = encoded.withUnsafeMutableBufferPointer { out in
                for (r, record) in request.records.enumerated() {
                    // A record may carry the target column (a labelled CSV row): it is ignored.
                    let fields = record.recordFields(excluding: target)
                    do {
                        try model.preprocessing.encode(record: fields, into: UnsafeMutableBufferPointer(rebasing: out[(r * featureCount)...]))
                    } catch {
                        return Status(.invalidArgument, "record \(r): \(error)")
                    }
                }
                return nil
            }
            if let failure { return .failure(failure) }
        } else {
            return .failure(Status(.invalidArgument, "no rows: send dense features or raw records"))
        }
        guard rows <= Self.maxRowsPerRequest else {
            return .failure(Status(.invalidArgument, "\(rows) rows in one request; the maximum is \(Self.maxRowsPerRequest)"))
        }
        var outputs = [Double](repeating: 0, count: rows * outputCount)
        let failure = encoded.withUnsafeBufferPointer { input in
            outputs.withUnsafeMutableBufferPointer { out in run(input, rows: rows, into: out) }
        }
        if let failure { return .failure(failure) }
        var response = PredictResponse(model: info.name, version: info.version, rows: UInt32(rows))
        if isClassification {
            response.numClasses = UInt32(outputCount)
            response.classIndex = outputs.withUnsafeBufferPointer { out in (0..<rows).map { classIndex(of: $0, in: out) } }
            if !request.labelsOnly { response.probabilities = outputs }
        } else {
            response.values = outputs
        }
        return .success(response)
    }

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
