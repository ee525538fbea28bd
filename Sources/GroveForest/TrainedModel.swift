// A complete trained model (proto `ModelFile`) as plain values.

/// Everything a model file holds: identity, training record, preprocessing and forest.
/// Plain values, no I/O; `GroveWire` encodes it.
public struct TrainedModel: Sendable, Equatable {
    /// Model-file schema version this type maps to.
    public static let formatVersion: UInt32 = 1

    public var name: String
    public var version: UInt64
    public var createdUnixMicros: Int64
    public var task: ModelTask
    public var params: TrainingParameters
    /// Held-out (or cross-validated) metrics, in recording order.
    public var metrics: [Metric]
    /// SHA-256 of the training data file (32 bytes, or empty when unknown).
    public var trainingDataSHA256: [UInt8]
    public var preprocessing: Preprocessing
    public var forest: Forest
    public var producer: String
    public var trainingRows: UInt64
    /// Where an imported model came from; nil for models Grove trained.
    public var source: ModelSource?
    /// Applied to the forest's probabilities wherever the model scores (identity: none).
    public var calibration: ProbabilityCalibration
    /// Out-of-bag reliability of the forest's own positive-class probability at training
    /// (binary classification with bootstrap; empty otherwise).
    public var outOfBagReliability: [ReliabilityBin]

    public init(name: String, version: UInt64, createdUnixMicros: Int64, task: ModelTask, params: TrainingParameters,
                metrics: [Metric], trainingDataSHA256: [UInt8], preprocessing: Preprocessing, forest: Forest,
                producer: String, trainingRows: UInt64, calibration: ProbabilityCalibration = .identity,
                outOfBagReliability: [ReliabilityBin] = [], source: ModelSource? = nil) {
        self.name = name
        self.version = version
        self.createdUnixMicros = createdUnixMicros
        self.task = task
        self.params = params
        self.metrics = metrics
        self.trainingDataSHA256 = trainingDataSHA256
        self.preprocessing = preprocessing
        self.forest = forest
        self.producer = producer
        self.trainingRows = trainingRows
        self.source = source
        self.calibration = calibration
        self.outOfBagReliability = outOfBagReliability
    }

    /// Validates the forest and that it fits the preprocessing and task.
    public func validate() throws {
        try forest.validate()
        if forest.numFeatures != preprocessing.featureCount {
            throw ModelError.featureCountMismatch(forest: forest.numFeatures, preprocessing: preprocessing.featureCount)
        }
        switch task {
        case .classification:
            if forest.numOutputs != preprocessing.classes.count {
                throw ModelError.outputCountMismatch(forest: forest.numOutputs, expected: preprocessing.classes.count)
            }
        case .regression:
            if !preprocessing.classes.isEmpty { throw ModelError.classesForRegression }
            if forest.numOutputs != 1 { throw ModelError.outputCountMismatch(forest: forest.numOutputs, expected: 1) }
        }
        if !trainingDataSHA256.isEmpty && trainingDataSHA256.count != 32 {
            throw ModelError.badChecksumLength(trainingDataSHA256.count)
        }
        try calibration.validate()
        if calibration.method != .none && (task != .classification || forest.numOutputs != 2) {
            throw ModelError.calibrationForNonBinary
        }
        if outOfBagReliability.count > ReliabilityBin.maxBins {
            throw ModelError.badCalibration("\(outOfBagReliability.count) reliability bins; the maximum is \(ReliabilityBin.maxBins)")
        }
        // The bins tile [0, 1] in order, so a list cut short (e.g. a truncated file) is refused;
        // a calibration is always fitted beside them.
        if let first = outOfBagReliability.first, let last = outOfBagReliability.last {
            let tiled = first.lower == 0 && last.upper == 1
                && zip(outOfBagReliability, outOfBagReliability.dropFirst()).allSatisfy { $0.upper == $1.lower && $0.lower < $0.upper }
            if !tiled { throw ModelError.badCalibration("out-of-bag reliability bins do not tile [0, 1]") }
        } else if calibration.method != .none {
            throw ModelError.badCalibration("a calibrated model carries its out-of-bag reliability bins")
        }
    }

    /// Index of the class whose probability calibration maps (the positive class, else 1).
    public var calibratedClass: Int { preprocessing.positiveClass ?? 1 }

    /// Predictions for encoded rows: the forest's outputs (row-major), calibrated.
    public func predict(features: FeatureMatrix, threads: Int = 0) throws -> [Double] {
        let out = try CompiledForest(forest: forest).predict(matrix: features, threads: threads)
        return calibration.method == .none ? out : calibration.apply(probabilities: out, positiveClass: calibratedClass)
    }

    /// Value of the metric named `name`, if recorded.
    public func metric(named name: String) -> Double? { metrics.first { $0.name == name }?.value }
}
