// TreeEnsembleConverter: an ONNX tree ensemble -> a Grove Forest with the same answers.

import GroveForest

/// Builds a `Forest` that computes what the ONNX operator computes, row for row.
///
/// - Every comparison becomes Grove's "x <= bound goes left" (`ThresholdBound`): LEQ/LT
///   keep the true child left, GTE/GT put it right; NaN goes where ONNX sends it
///   (`missingRight` set accordingly). EQ, NEQ and MEMBER become chains of two
///   comparisons per value (x <= below(v) / x <= v), copying the subtree reached from
///   several places, within `OnnxLimits.maxExpandedNodes`.
/// - Classifiers: one output per class, SUM of leaf weights plus base values, then the
///   post transform as the link. The single-score binary case (two classes, one class id
///   in the weights) becomes two outputs: score[1] = s and score[0] = 1 - s (NONE,
///   PROBIT) or -s (otherwise), as the ONNX reference defines it, by storing each weight
///   w as (-w, w) and the base b as (1 - b, b) or (-b, b).
/// - Regressors: one target; SUM or AVERAGE (divided by the tree count), then base.
/// - Trees are visited in ascending tree id; a tree's root is its first node in file
///   order (opset 5: `tree_roots`). A child id naming no node, a node reached twice (a
///   cycle or a shared subtree) and a path longer than `maxTreeDepth` are refused.
struct TreeEnsembleConverter {
    let spec: TreeEnsembleSpec
    let roundsToFloat: Bool
    let limits: OnnxLimits

    struct Result {
        var forest: Forest
        var classes: [String]
    }

    private struct NodeKey: Hashable {
        var tree: Int64
        var node: Int64
    }

    func convert(inputWidth: Int?) throws(OnnxImportError) -> Result {
        let op = spec.operatorName
        let n = spec.nodeIDs.count
        // Node lookup and per-tree roots.
        var index: [NodeKey: Int] = [:]
        index.reserveCapacity(n)
        var firstOfTree: [Int64: Int] = [:]
        for i in 0..<n {
            let key = NodeKey(tree: spec.treeIDs[i], node: spec.nodeIDs[i])
            if index.updateValue(i, forKey: key) != nil {
                throw .invalid("\(op): tree \(key.tree) lists node \(key.node) twice")
            }
            if firstOfTree[key.tree] == nil { firstOfTree[key.tree] = i }
        }
        let roots = spec.roots.isEmpty ? firstOfTree.keys.sorted().map { firstOfTree[$0]! } : spec.roots
        if roots.count > Forest.maxTrees { throw .tooLarge(what: "the number of trees", value: roots.count, limit: Forest.maxTrees) }

        // Outputs and leaf weights.
        let outputs: Int
        var binary = false   // the single-score binary rule (see the type comment)
        var binaryClass: Int64 = 0
        var base: [Double] = []
        var classes: [String] = []
        if spec.isClassifier {
            classes = spec.classLabels
            if Set(classes).count != classes.count { throw .invalid("\(op): class labels repeat") }
            outputs = classes.count
            if outputs < 2 { throw .invalid("\(op): \(outputs) class label; grove import needs at least 2") }
            if outputs > Forest.maxOutputs { throw .tooLarge(what: "the number of classes", value: outputs, limit: Forest.maxOutputs) }
            for c in spec.weightTargets where c < 0 || c >= Int64(outputs) {
                throw .invalid("\(op): class id \(c) outside the \(outputs) class labels")
            }
            let distinct = Set(spec.weightTargets)
            if outputs == 2 && distinct.count == 1 {
                binaryClass = distinct.first!
                let complement = spec.postTransform == "NONE" || spec.postTransform == "PROBIT"
                binary = true
                let b = spec.baseValues.isEmpty ? 0 : spec.baseValues[min(Int(binaryClass), spec.baseValues.count - 1)]
                base = [complement ? 1 - b : -b, b]
            } else {
                if !spec.baseValues.isEmpty && spec.baseValues.count != outputs {
                    throw .invalid("\(op): \(spec.baseValues.count) base values for \(outputs) classes")
                }
                base = spec.baseValues
            }
        } else {
            if spec.targetCount != 1 {
                throw .invalid("\(op): n_targets is \(spec.targetCount); grove import serves models with one target")
            }
            outputs = 1
            for t in spec.weightTargets where t != 0 { throw .invalid("\(op): target id \(t) with n_targets = 1") }
            if spec.baseValues.count > 1 { throw .invalid("\(op): \(spec.baseValues.count) base values for one target") }
            base = spec.baseValues
        }
        var leafWeights: [NodeKey: [(Int, Double)]] = [:]
        for j in 0..<spec.weights.count {
            let key = NodeKey(tree: spec.weightTreeIDs[j], node: spec.weightNodeIDs[j])
            guard let i = index[key], spec.modes[i] == .leaf else {
                throw .invalid("\(op): a weight names tree \(key.tree) node \(key.node), which is not a leaf")
            }
            leafWeights[key, default: []].append((Int(spec.weightTargets[j]), spec.weights[j]))
        }

        // Features.
        var width = inputWidth ?? 0
        for i in 0..<n where spec.modes[i] != .leaf {
            let f = spec.featureIDs[i]
            if f < 0 || f >= Int64(limits.maxFeatures) {
                throw .invalid("\(op): node \(spec.nodeIDs[i]) reads feature \(f), outside 0..<\(limits.maxFeatures)")
            }
            if let w = inputWidth, f >= Int64(w) {
                throw .invalid("\(op): node \(spec.nodeIDs[i]) reads feature \(f) but the input has \(w) columns")
            }
            width = max(width, Int(f) + 1)
        }
        if width < 1 { width = 1 }

        // Shape check: every child exists, no node reached twice, bounded depth.
        var children = [Int32](repeating: -1, count: 2 * n)
        var reached = [Bool](repeating: false, count: n)
        for root in roots {
            if reached[root] { throw .invalid("\(op): node \(spec.nodeIDs[root]) of tree \(spec.treeIDs[root]) is reached twice") }
            reached[root] = true
            var stack: [(Int, Int)] = [(root, 1)]
            while let (i, depth) = stack.popLast() {
                if spec.modes[i] == .leaf { continue }
                if depth >= limits.maxTreeDepth {
                    throw .tooLarge(what: "the depth of tree \(spec.treeIDs[i])", value: depth + 1, limit: limits.maxTreeDepth)
                }
                for (k, id) in [spec.trueIDs[i], spec.falseIDs[i]].enumerated() {
                    guard let c = index[NodeKey(tree: spec.treeIDs[i], node: id)] else {
                        throw .invalid("\(op): node \(spec.nodeIDs[i]) of tree \(spec.treeIDs[i]) has the child \(id), which does not exist")
                    }
                    if reached[c] {
                        throw .invalid("\(op): node \(id) of tree \(spec.treeIDs[i]) is reached twice (a cycle or a shared subtree)")
                    }
                    reached[c] = true
                    children[2 * i + k] = Int32(c)
                    stack.append((c, depth + 1))
                }
            }
        }

        // Emission.
        var trees: [Tree] = []
        trees.reserveCapacity(roots.count)
        var total = 0
        for root in roots {
            var t = Tree()
            try emit(tree: &t, root: root, children: children, leafWeights: leafWeights, outputs: outputs,
                     binary: binary, binaryClass: binaryClass, total: &total)
            trees.append(t)
        }
        let link: ForestLink
        switch spec.postTransform {
        case "LOGISTIC": link = .logistic
        case "SOFTMAX": link = .softmax
        case "SOFTMAX_ZERO": link = .softmaxZero
        case "PROBIT": link = .probit
        default: link = .identity
        }
        let forest = Forest(numFeatures: width, numOutputs: outputs, aggregation: spec.aggregate == .average ? .average : .sum,
                            link: link, baseScore: base, trees: trees)
        do {
            try forest.validate()
        } catch {
            throw .invalid("\(op): the converted forest is invalid: \(error)")
        }
        return Result(forest: forest, classes: classes)
    }

    /// What is left to emit: an ONNX node, or step `k` of a set test (EQ/NEQ/MEMBER) on
    /// ONNX node `node` (`upper`: the "x <= v" half, else the "x <= below(v)" half).
    private enum Work {
        case node(Int)
        case setTest(node: Int, k: Int, upper: Bool)
    }

    private func emit(tree t: inout Tree, root: Int, children: [Int32], leafWeights: [NodeKey: [(Int, Double)]],
                      outputs: Int, binary: Bool, binaryClass: Int64, total: inout Int) throws(OnnxImportError) {
        // (work, parent to patch, patch its right child)
        var stack: [(Work, Int, Bool)] = [(.node(root), -1, false)]
        func append(feature: Int64, threshold: Double, flags: TreeNodeFlags, parent: Int, right: Bool) throws(OnnxImportError) -> Int {
            total += 1
            if total > limits.maxExpandedNodes {
                throw .tooLarge(what: "the number of tree nodes after expanding EQ/NEQ/MEMBER tests", value: total,
                                limit: limits.maxExpandedNodes)
            }
            let p = t.feature.count
            t.feature.append(UInt32(feature))
            t.threshold.append(threshold)
            t.left.append(0)
            t.right.append(0)
            t.flags.append(flags.rawValue)
            t.leafOffset.append(0)
            if parent >= 0 {
                if right { t.right[parent] = UInt32(p) } else { t.left[parent] = UInt32(p) }
            }
            return p
        }
        while let (work, parent, right) = stack.popLast() {
            switch work {
            case let .node(i):
                let mode = spec.modes[i]
                let f = spec.featureIDs[i]
                let trueChild = Int(children[2 * i]), falseChild = Int(children[2 * i + 1])
                let tracks = spec.missingTracksTrue[i]
                switch mode {
                case .leaf:
                    let p = try append(feature: 0, threshold: 0, flags: [], parent: parent, right: right)
                    t.leafOffset[p] = UInt32(t.leafValues.count)
                    var v = [Double](repeating: 0, count: outputs)
                    for (target, w) in leafWeights[NodeKey(tree: spec.treeIDs[i], node: spec.nodeIDs[i])] ?? [] {
                        if binary {
                            if Int64(target) == binaryClass { v[1] += w; v[0] -= w }
                        } else {
                            v[target] += w
                        }
                    }
                    t.leafValues.append(contentsOf: v)
                case .leq, .lt, .gte, .gt:
                    // LEQ/LT: true when x <= bound (left). GTE/GT: true when not (x <= bound) (right).
                    let strict = mode == .lt || mode == .gte
                    let bound = ThresholdBound.bound(spec.thresholds[i], strict: strict, roundsToFloat: roundsToFloat)
                    let trueLeft = mode == .leq || mode == .lt
                    // NaN goes to the true child only with tracks (IEEE: every comparison false).
                    let nanRight = trueLeft ? !tracks : tracks
                    let p = try append(feature: f, threshold: bound, flags: nanRight ? .missingRight : [], parent: parent, right: right)
                    stack.append((.node(trueLeft ? falseChild : trueChild), p, true))
                    stack.append((.node(trueLeft ? trueChild : falseChild), p, false))
                case .eq, .neq, .member:
                    stack.append((.setTest(node: i, k: 0, upper: false), parent, right))
                }
            case let .setTest(i, k, upper):
                // x in {v_0 < v_1 < ...}: for each v, "x <= below(v)" -> outside, else
                // "x <= v" -> inside, else the next v (after the last: outside).
                // EQ / MEMBER: inside = true child; NEQ: inside = false child.
                let values = setValues(i)
                let mode = spec.modes[i]
                let inside = Int(children[2 * i + (mode == .neq ? 1 : 0)])
                let outside = Int(children[2 * i + (mode == .neq ? 0 : 1)])
                // NaN: EQ/MEMBER go true only with tracks; NEQ always true (NaN != v), i.e. outside.
                let nanInside = mode != .neq && spec.missingTracksTrue[i]
                let v = values[k]
                if !upper {
                    let bound = ThresholdBound.bound(v, strict: true, roundsToFloat: roundsToFloat)
                    let p = try append(feature: spec.featureIDs[i], threshold: bound,
                                       flags: k == 0 && nanInside ? .missingRight : [], parent: parent, right: right)
                    stack.append((.setTest(node: i, k: k, upper: true), p, true))
                    stack.append((.node(outside), p, false))
                } else {
                    let bound = ThresholdBound.bound(v, strict: false, roundsToFloat: roundsToFloat)
                    // NaN reaches here only when it goes inside: left.
                    let p = try append(feature: spec.featureIDs[i], threshold: bound, flags: [], parent: parent, right: right)
                    if k + 1 < values.count {
                        stack.append((.setTest(node: i, k: k + 1, upper: false), p, true))
                    } else {
                        stack.append((.node(outside), p, true))
                    }
                    stack.append((.node(inside), p, false))
                }
            }
        }
    }

    /// The sorted distinct values a set test compares with (EQ/NEQ: the threshold).
    private func setValues(_ i: Int) -> [Double] {
        if let m = spec.memberValues[i] { return Array(Set(m)).sorted() }
        return [spec.thresholds[i]]
    }
}
