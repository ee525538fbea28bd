// OnnxImporter: an ONNX file -> a Grove model (TrainedModel) with the same answers.

import GroveForest

/// Reads a graph whose work is one ai.onnx.ml tree ensemble (`TreeEnsembleClassifier`,
/// `TreeEnsembleRegressor`: opsets 1-4; `TreeEnsemble`: opset 5) with the plumbing
/// converters put around it (Cast and Identity before it; ZipMap, ArgMax, Cast,
/// Identity and a Mul by the constant 1 after it), and builds a `TrainedModel` whose forest gives the operator's
/// scores (see `TreeEnsembleConverter`). Anything else is refused, naming the operator.
///
/// The model takes the ensemble's numeric feature vector: one numeric column per
/// feature, named by `columns`, else by a "feature_names" metadata entry (comma-
/// separated) on the graph input or the model, else f0, f1, ...; missing values stay
/// NaN (fill value NaN) and go where the file's trees send them.
public enum OnnxImporter {
    public struct Options: Sendable {
        public var name: String
        /// Feature names, one per input column; nil to take them from the file.
        public var columns: [String]?
        /// Class label to record as the positive class.
        public var positiveLabel: String?
        public var createdUnixMicros: Int64
        public var limits: OnnxLimits

        public init(name: String, columns: [String]? = nil, positiveLabel: String? = nil, createdUnixMicros: Int64 = 0,
                    limits: OnnxLimits = OnnxLimits()) {
            self.name = name
            self.columns = columns
            self.positiveLabel = positiveLabel
            self.createdUnixMicros = createdUnixMicros
            self.limits = limits
        }
    }

    public struct Imported: Sendable {
        public var model: TrainedModel
        public var source: ModelSource
    }

    static let treeOperators: Set<String> = [TreeEnsembleSpec.classifier, TreeEnsembleSpec.regressor, TreeEnsembleSpec.ensemble]
    static let plumbing: Set<String> = ["Cast", "Identity", "ai.onnx.ml.ZipMap", "ArgMax"]

    public static func importModel(_ bytes: [UInt8], options: Options) throws(OnnxImportError) -> Imported {
        let limits = options.limits
        let model = try OnnxDecoder.decode(bytes, limits: limits)
        let graph = model.graph
        if graph.nodes.count > limits.maxGraphNodes {
            throw .tooLarge(what: "the number of graph nodes", value: graph.nodes.count, limit: limits.maxGraphNodes)
        }
        var treeNode: OnnxNode? = nil
        for n in graph.nodes {
            if n.domain == "ai.onnx.ml" && treeOperators.contains(n.opType) {
                if treeNode != nil { throw .invalid("the graph has more than one tree-ensemble node; grove import reads one") }
                treeNode = n
            } else if n.qualifiedName == "Mul" {
                // onnxmltools multiplies LightGBM probabilities by a constant 1.
                let constants = n.inputs.compactMap { graph.initializers[$0] }
                guard n.inputs.count == 2, constants.count == 1, constants[0].values.allSatisfy({ $0 == 1 }) else {
                    throw .invalid("the graph multiplies by something other than the constant 1 (Mul); grove import "
                        + "reads tree-ensemble scores as the operator gives them")
                }
            } else if !plumbing.contains(n.qualifiedName) {
                throw .unsupportedOperator(n.qualifiedName)
            }
        }
        guard let tree = treeNode else { throw .invalid("the graph has no ai.onnx.ml tree-ensemble node") }
        let opset = model.opsetVersion("ai.onnx.ml") ?? 1
        if tree.opType == TreeEnsembleSpec.ensemble && opset < 5 {
            throw .invalid("ai.onnx.ml.TreeEnsemble needs ai.onnx.ml opset 5; the file imports opset \(opset)")
        }
        guard let first = tree.inputs.first, tree.inputs.count == 1 else {
            throw .invalid("\(tree.qualifiedName) must have exactly one input")
        }

        // Trace the trees' input back to the graph input, through Cast and Identity.
        var name = first
        var castToFloat = false
        var steps = 0
        var input: OnnxValueInfo? = nil
        while input == nil {
            if let i = graph.inputs.first(where: { $0.name == name }) { input = i; break }
            guard steps < graph.nodes.count, let producer = graph.nodes.first(where: { $0.outputs.contains(name) }),
                  producer.opType == "Cast" || producer.opType == "Identity", let upstream = producer.inputs.first else {
                throw .invalid("the tree ensemble's input \(name) does not come from the graph input through Cast or Identity")
            }
            if producer.opType == "Cast" {
                guard case let .int(to)? = producer.attributes["to"], to == Int64(OnnxTensor.float) || to == Int64(OnnxTensor.double) else {
                    throw .invalid("a Cast before the tree ensemble converts to a type other than float or double")
                }
                if to == Int64(OnnxTensor.float) { castToFloat = true }
            }
            name = upstream
            steps += 1
        }
        guard let input else { throw .invalid("the graph has no input") }
        let used = graph.inputs.filter { i in graph.nodes.contains { $0.inputs.contains(i.name) } }
        if used.count != 1 { throw .invalid("the graph reads \(used.count) inputs; grove import reads models with one input tensor") }
        guard input.elementType == OnnxTensor.float || input.elementType == OnnxTensor.double else {
            throw .invalid("the graph input \(input.name) has the element type \(input.elementType); grove import reads float and double inputs")
        }
        if !input.dims.isEmpty && input.dims.count != 2 {
            throw .invalid("the graph input \(input.name) has \(input.dims.count) dimensions; grove import reads [rows, features]")
        }
        let declaredWidth = input.dims.count == 2 ? input.dims[1].map { Int($0) } : nil
        if let w = declaredWidth, w < 1 || w > limits.maxFeatures {
            throw .tooLarge(what: "the input width", value: w, limit: limits.maxFeatures)
        }

        let spec = try TreeEnsembleSpec(node: tree, limits: limits)
        let roundsToFloat = castToFloat || input.elementType == OnnxTensor.float
        var converted = try TreeEnsembleConverter(spec: spec, roundsToFloat: roundsToFloat, limits: limits)
            .convert(inputWidth: declaredWidth)

        // Feature names.
        let metadataNames = (input.metadata["feature_names"] ?? model.metadata["feature_names"])
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0) } }
        var names = options.columns ?? metadataNames ?? (0..<converted.forest.numFeatures).map { "f\($0)" }
        names = names.map { $0.trimmingCharacters() }
        let source = options.columns != nil ? "--columns" : metadataNames != nil ? "the file's feature_names metadata" : ""
        if names.count < converted.forest.numFeatures || (declaredWidth != nil && names.count != declaredWidth) {
            throw .invalid("\(source) gives \(names.count) column names for \(declaredWidth ?? converted.forest.numFeatures) features")
        }
        if names.count > limits.maxFeatures { throw .tooLarge(what: "the number of columns", value: names.count, limit: limits.maxFeatures) }
        if let bad = names.first(where: { $0.isEmpty }) ?? duplicate(names) {
            throw .invalid("\(source) has \(bad.isEmpty ? "an empty column name" : "the column name \(bad) twice")")
        }
        converted.forest.numFeatures = names.count

        let task: ModelTask = spec.isClassifier ? .classification : .regression
        var positive: Int? = nil
        if let p = options.positiveLabel {
            guard task == .classification else { throw .invalid("--positive applies to classifiers; this model is a regressor") }
            guard let i = converted.classes.firstIndex(of: p) else {
                throw .invalid("--positive \(p) is not one of the classes: \(converted.classes.joined(separator: ", "))")
            }
            positive = i
        }
        var target = tree.outputs.first ?? "target"
        if target.isEmpty || names.contains(target) { target = "target" }
        let preprocessing: Preprocessing
        do {
            preprocessing = try Preprocessing(target: target,
                                              columns: names.map { InputColumn(name: $0, kind: .numeric, fillValue: .nan) },
                                              featureNames: names, classes: converted.classes, positiveClass: positive)
        } catch {
            throw .invalid("the columns do not make a valid schema: \(error)")
        }
        var params = TrainingParameters(task: task)
        params.trees = converted.forest.trees.count
        params.maxDepth = converted.forest.trees.map(\.depth).max() ?? 0
        params.testFraction = 0
        let trained = TrainedModel(name: options.name, version: 0, createdUnixMicros: options.createdUnixMicros, task: task,
                                   params: params, metrics: [], trainingDataSHA256: [], preprocessing: preprocessing,
                                   forest: converted.forest, producer: "grove", trainingRows: 0)
        do {
            try trained.validate()
        } catch {
            throw .invalid("the imported model is invalid: \(error)")
        }
        return Imported(model: trained, source: ModelSource(
            format: "onnx", producerName: model.producerName, producerVersion: model.producerVersion,
            operatorName: spec.operatorName, opset: opset, inputName: input.name, comparesAsFloat32: roundsToFloat))
    }

    private static func duplicate(_ names: [String]) -> String? {
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted { return n }
        return nil
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns.
    func trimmingCharacters() -> String {
        let ws: Set<Character> = [" ", "\t", "\r"]
        var s = Substring(self)
        while let c = s.first, ws.contains(c) { s = s.dropFirst() }
        while let c = s.last, ws.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
