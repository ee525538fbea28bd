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

    public init(name: String, version: UInt64, createdUnixMicros: Int64, task: ModelTask, params: TrainingParameters,
                metrics: [Metric], trainingDataSHA256: [UInt8], preprocessing: Preprocessing, forest: Forest,
                producer: String, trainingRows: UInt64, source: ModelSource? = nil) {
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
    }

    /// Value of the metric named `name`, if recorded.
    public func metric(named name: String) -> Double? { metrics.first { $0.name == name }?.value }
}
