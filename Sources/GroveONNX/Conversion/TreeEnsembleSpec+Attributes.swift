// TreeEnsembleSpec+Attributes: reading a tree-ensemble node's attributes, checked.

extension TreeEnsembleSpec {
    static let classifier = "TreeEnsembleClassifier"
    static let regressor = "TreeEnsembleRegressor"
    static let ensemble = "TreeEnsemble"

    /// Reads `node` (one of the three operators, domain ai.onnx.ml). Checks array lengths
    /// against each other and `limits.maxTreeNodes`, numbers for finiteness, and names
    /// every attribute it refuses.
    init(node: OnnxNode, limits: OnnxLimits) throws(OnnxImportError) {
        let op = node.opType
        self.init(operatorName: "ai.onnx.ml.\(op)", isClassifier: op == TreeEnsembleSpec.classifier)
        var reader = AttributeReader(node: node)
        if op == TreeEnsembleSpec.ensemble {
            try readOpset5(&reader, limits: limits)
        } else {
            try readOpset1to3(&reader, limits: limits)
        }
        if let unknown = reader.unread.sorted().first {
            throw .invalid("\(operatorName): unknown attribute \(unknown)")
        }
        if thresholds.contains(where: { !$0.isFinite }) { throw .invalid("\(operatorName): a node threshold is not finite") }
        if weights.contains(where: { !$0.isFinite }) { throw .invalid("\(operatorName): a leaf weight is not finite") }
        if baseValues.contains(where: { !$0.isFinite }) { throw .invalid("\(operatorName): a base value is not finite") }
        if !["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"].contains(postTransform) {
            throw .invalid("\(operatorName): unknown post_transform \(postTransform)")
        }
    }

    private mutating func readOpset1to3(_ r: inout AttributeReader, limits: OnnxLimits) throws(OnnxImportError) {
        let prefix = isClassifier ? "class" : "target"
        treeIDs = try r.ints("nodes_treeids")
        let n = treeIDs.count
        if n == 0 { throw .invalid("\(operatorName): no nodes (nodes_treeids is empty)") }
        if n > limits.maxTreeNodes { throw .tooLarge(what: "the number of tree nodes", value: n, limit: limits.maxTreeNodes) }
        nodeIDs = try r.ints("nodes_nodeids", count: n)
        featureIDs = try r.ints("nodes_featureids", count: n)
        trueIDs = try r.ints("nodes_truenodeids", count: n)
        falseIDs = try r.ints("nodes_falsenodeids", count: n)
        let modeNames = try r.strings("nodes_modes", count: n)
        modes = try modeNames.map { (m: String) throws(OnnxImportError) -> TreeNodeMode in
            guard let mode = TreeNodeMode(name: m) else { throw .invalid("\(operatorName): unknown node mode \(m)") }
            return mode
        }
        thresholds = try r.doubles("nodes_values", count: n)
        let tracks = try r.ints("nodes_missing_value_tracks_true", count: n, optional: true)
        missingTracksTrue = tracks.isEmpty ? Array(repeating: false, count: n) : tracks.map { $0 != 0 }
        _ = try r.doubles("nodes_hitrates", count: n, optional: true)
        weightTreeIDs = try r.ints("\(prefix)_treeids")
        let w = weightTreeIDs.count
        if w > limits.maxTreeNodes { throw .tooLarge(what: "the number of leaf weights", value: w, limit: limits.maxTreeNodes) }
        weightNodeIDs = try r.ints("\(prefix)_nodeids", count: w)
        weightTargets = try r.ints("\(prefix)_ids", count: w)
        weights = try r.doubles("\(prefix)_weights", count: w)
        baseValues = try r.doubles("base_values", optional: true)
        postTransform = try r.string("post_transform") ?? "NONE"
        if isClassifier {
            let ints = try r.ints("classlabels_int64s", optional: true)
            let strings = try r.strings("classlabels_strings", optional: true)
            if !ints.isEmpty && !strings.isEmpty { throw .invalid("\(operatorName): both classlabels_int64s and classlabels_strings") }
            if ints.isEmpty && strings.isEmpty { throw .invalid("\(operatorName): no class labels") }
            classLabels = ints.isEmpty ? strings : ints.map { String($0) }
            labelsAreIntegers = !ints.isEmpty
        } else {
            targetCount = Int(try r.int("n_targets") ?? 1)
            switch try r.string("aggregate_function") ?? "SUM" {
            case "SUM": aggregate = .sum
            case "AVERAGE": aggregate = .average
            case let other: throw .invalid("\(operatorName): aggregate_function \(other) is not supported (SUM and AVERAGE are)")
            }
        }
    }

    /// opset 5 `TreeEnsemble`: leaves live in their own arrays (leaf_targetids,
    /// leaf_weights); nodes_trueleafs / falseleafs say whether a child id is a leaf.
    private mutating func readOpset5(_ r: inout AttributeReader, limits: OnnxLimits) throws(OnnxImportError) {
        featureIDs = try r.ints("nodes_featureids")
        let n = featureIDs.count
        if n == 0 { throw .invalid("\(operatorName): no nodes (nodes_featureids is empty)") }
        if n > limits.maxTreeNodes { throw .tooLarge(what: "the number of tree nodes", value: n, limit: limits.maxTreeNodes) }
        let codes = try r.doubles("nodes_modes", count: n)
        modes = try codes.map { (c: Double) throws(OnnxImportError) -> TreeNodeMode in
            guard let mode = TreeNodeMode(code: c) else { throw .invalid("\(operatorName): unknown node mode \(c)") }
            return mode
        }
        thresholds = try r.doubles("nodes_splits", count: n)
        let trueChild = try r.ints("nodes_truenodeids", count: n)
        let falseChild = try r.ints("nodes_falsenodeids", count: n)
        let trueLeaf = try r.ints("nodes_trueleafs", count: n)
        let falseLeaf = try r.ints("nodes_falseleafs", count: n)
        let tracks = try r.ints("nodes_missing_value_tracks_true", count: n, optional: true)
        missingTracksTrue = tracks.isEmpty ? Array(repeating: false, count: n) : tracks.map { $0 != 0 }
        _ = try r.doubles("nodes_hitrates", count: n, optional: true)
        let leafTargets = try r.ints("leaf_targetids")
        let leafWeights = try r.doubles("leaf_weights", count: leafTargets.count)
        if leafTargets.count > limits.maxTreeNodes {
            throw .tooLarge(what: "the number of leaves", value: leafTargets.count, limit: limits.maxTreeNodes)
        }
        let rootList = try r.ints("tree_roots")
        targetCount = Int(try r.int("n_targets") ?? 0)
        switch try r.int("aggregate_function") ?? 1 {
        case 0: aggregate = .average
        case 1: aggregate = .sum
        case let other: throw .invalid("\(operatorName): aggregate_function \(other) is not supported (0 AVERAGE and 1 SUM are)")
        }
        let transforms = ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"]
        let pt = try r.int("post_transform") ?? 0
        guard pt >= 0 && pt < transforms.count else { throw .invalid("\(operatorName): unknown post_transform \(pt)") }
        postTransform = transforms[Int(pt)]
        let members = try r.doubles("membership_values", optional: true)
        // Node i keeps id i; leaf j becomes node n + j, a LEAF with one weight.
        nodeIDs = (0..<n).map { Int64($0) }
        treeIDs = Array(repeating: -1, count: n)
        trueIDs = try (0..<n).map { (i: Int) throws(OnnxImportError) -> Int64 in
            try child(trueChild[i], isLeaf: trueLeaf[i] != 0, nodes: n, leaves: leafTargets.count)
        }
        falseIDs = try (0..<n).map { (i: Int) throws(OnnxImportError) -> Int64 in
            try child(falseChild[i], isLeaf: falseLeaf[i] != 0, nodes: n, leaves: leafTargets.count)
        }
        for j in 0..<leafTargets.count {
            nodeIDs.append(Int64(n + j))
            featureIDs.append(0)
            modes.append(.leaf)
            thresholds.append(0)
            trueIDs.append(0)
            falseIDs.append(0)
            missingTracksTrue.append(false)
            weightNodeIDs.append(Int64(n + j))
            weightTargets.append(leafTargets[j])
            weights.append(leafWeights[j])
        }
        // One ensemble-wide tree id: node ids are unique across trees here.
        treeIDs = Array(repeating: 0, count: nodeIDs.count)
        weightTreeIDs = Array(repeating: 0, count: weights.count)
        roots = try rootList.map { (root: Int64) throws(OnnxImportError) -> Int in
            guard root >= 0 && root < Int64(n) else { throw .invalid("\(operatorName): tree root \(root) is not a node") }
            return Int(root)
        }
        // Member sets: consecutive runs of membership_values separated by NaN, one per MEMBER node in order.
        var runs: [[Double]] = [[]]
        for v in members { if v.isNaN { runs.append([]) } else { runs[runs.count - 1].append(v) } }
        if runs.last?.isEmpty == true && runs.count > 1 { runs.removeLast() }
        var next = 0
        for i in 0..<n where modes[i] == .member {
            guard next < runs.count, !runs[next].isEmpty else {
                throw .invalid("\(operatorName): membership_values has no set for the BRANCH_MEMBER node \(i)")
            }
            memberValues[i] = runs[next]
            thresholds[i] = 0
            next += 1
        }
    }

    private func child(_ id: Int64, isLeaf: Bool, nodes: Int, leaves: Int) throws(OnnxImportError) -> Int64 {
        if isLeaf {
            guard id >= 0 && id < Int64(leaves) else { throw .invalid("\(operatorName): leaf \(id) does not exist") }
            return Int64(nodes) + id
        }
        guard id >= 0 && id < Int64(nodes) else { throw .invalid("\(operatorName): node \(id) does not exist") }
        return id
    }
}
