// OnnxExporter: a Grove model -> an ONNX file (ai.onnx.ml opset 3, double thresholds) with Grove's answers.

import CGroveProto
import CProtobufC
import GroveForest
import GroveWire

/// Writes a model's forest as one ai.onnx.ml `TreeEnsembleClassifier` (class probabilities
/// and the label) or `TreeEnsembleRegressor` (the value), opset 3 with double thresholds,
/// leaf weights and base values (`*_as_tensor`), reading a double input tensor
/// `input` [N, features] of the encoded features.
///
/// Every node keeps its comparison: `<=` is BRANCH_LEQ, strict `<` BRANCH_LT, with the
/// left child as the true branch; a missing value (NaN) goes left unless the node's
/// missing-right flag is set, which `nodes_missing_value_tracks_true` says. An averaged
/// forest's classifier has no aggregate function in ONNX, so its leaf weights are divided
/// by the tree count (the sum then is the mean, as skl2onnx writes scikit-learn forests);
/// a regressor says AVERAGE. Base values are folded into the first tree's leaves. The link
/// becomes the post transform. Preprocessing stays in
/// Grove: the file takes encoded rows (`Preprocessing.encode`), named by the input's
/// `feature_names` metadata (left out when a name holds a comma).
public enum OnnxExporter {
    public static func export(_ model: TrainedModel, producerVersion: String) -> [UInt8] {
        let forest = model.forest
        let arena = Arena(chunkSize: 1 << 20, limit: 1 << 31)
        let classifier = model.task == .classification
        let k = forest.numOutputs
        let scale = forest.aggregation == .average && classifier ? 1 / Double(forest.trees.count) : 1
        // Two classes: onnxruntime labels by ONNX's single-score rule only when one class
        // carries the weights (otherwise it names class 1 whenever its score is positive), so
        // probability leaves (summing to 1, no base, no link: score[0] = 1 - s) and antisymmetric
        // logistic ones (score[0] = -s) are written as class 1's score alone.
        let leaves = forest.trees.flatMap { t in (0..<t.nodeCount).filter { t.isLeaf($0) }.map { (t, Int(t.leafOffset[$0])) } }
        let single = classifier && k == 2 && (
            (forest.link == .identity && forest.baseScore.isEmpty
                && leaves.allSatisfy { abs($0.0.leafValues[$0.1] + $0.0.leafValues[$0.1 + 1] - 1) <= 1e-12 })
            || (forest.link == .logistic && (forest.baseScore.isEmpty || forest.baseScore[0] == -forest.baseScore[1])
                && leaves.allSatisfy { $0.0.leafValues[$0.1] == -$0.0.leafValues[$0.1 + 1] }))
        // Base values are folded into the first tree's leaves: onnxruntime reads two-class
        // base values its own way. (An average regressor's base is multiplied by the tree count.)
        let fold = forest.baseScore.isEmpty || (single && forest.link == .logistic) ? [Double](repeating: 0, count: k)
            : forest.baseScore.map { $0 * (forest.aggregation == .average && !classifier ? Double(forest.trees.count) : 1) }

        var treeIDs: [Int64] = [], nodeIDs: [Int64] = [], featureIDs: [Int64] = [], modes: [String] = []
        var values: [Double] = [], trueIDs: [Int64] = [], falseIDs: [Int64] = [], tracks: [Int64] = []
        var wTree: [Int64] = [], wNode: [Int64] = [], wTarget: [Int64] = [], weights: [Double] = []
        for (ti, t) in forest.trees.enumerated() {
            for i in 0..<t.nodeCount {
                treeIDs.append(Int64(ti))
                nodeIDs.append(Int64(i))
                let flags = t.flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: t.flags[i])
                if t.isLeaf(i) {
                    featureIDs.append(0); modes.append("LEAF"); values.append(0)
                    trueIDs.append(0); falseIDs.append(0); tracks.append(0)
                    let off = Int(t.leafOffset[i])
                    for j in (single ? 1..<2 : 0..<k) {
                        // ONNX's single score sits in class id 0 (score[1] = s; score[0] = 1 - s or -s).
                        wTree.append(Int64(ti)); wNode.append(Int64(i)); wTarget.append(single ? 0 : Int64(j))
                        weights.append(t.leafValues[off + j] * scale + (ti == 0 ? fold[j] : 0))
                    }
                } else {
                    featureIDs.append(Int64(t.feature[i]))
                    modes.append(flags.contains(.strictLess) ? "BRANCH_LT" : "BRANCH_LEQ")
                    values.append(t.threshold[i])
                    trueIDs.append(Int64(t.left[i])); falseIDs.append(Int64(t.right[i]))
                    tracks.append(flags.contains(.missingRight) ? 0 : 1)
                }
            }
        }
        let prefix = classifier ? "class" : "target"
        var attributes: [UnsafeMutablePointer<Onnx__AttributeProto>] = [
            ints("nodes_treeids", treeIDs, arena), ints("nodes_nodeids", nodeIDs, arena),
            ints("nodes_featureids", featureIDs, arena), strings("nodes_modes", modes, arena),
            doubles("nodes_values_as_tensor", values, arena), ints("nodes_truenodeids", trueIDs, arena),
            ints("nodes_falsenodeids", falseIDs, arena), ints("nodes_missing_value_tracks_true", tracks, arena),
            ints("\(prefix)_treeids", wTree, arena), ints("\(prefix)_nodeids", wNode, arena),
            ints("\(prefix)_ids", wTarget, arena), doubles("\(prefix)_weights_as_tensor", weights, arena),
            string("post_transform", postTransform(forest.link), arena),
        ]
        if single && forest.link == .logistic && !forest.baseScore.isEmpty {
            attributes.append(doubles("base_values_as_tensor", [forest.baseScore[1]], arena))
        }
        if classifier {
            attributes.append(strings("classlabels_strings", model.preprocessing.classes, arena))
        } else {
            attributes.append(int("n_targets", 1, arena))
            attributes.append(string("aggregate_function", forest.aggregation == .average ? "AVERAGE" : "SUM", arena))
        }

        let node = arena.new(Onnx__NodeProto.self)
        onnx__node_proto__init(node)
        node.pointee.op_type = arena.cString(classifier ? "TreeEnsembleClassifier" : "TreeEnsembleRegressor")
        node.pointee.domain = arena.cString("ai.onnx.ml")
        node.pointee.name = arena.cString("grove_forest")
        let outputs = classifier ? ["label", "probabilities"] : ["variable"]
        node.pointee.n_input = 1
        node.pointee.input = cStrings(["input"], arena)
        node.pointee.n_output = outputs.count
        node.pointee.output = cStrings(outputs, arena)
        node.pointee.n_attribute = attributes.count
        node.pointee.attribute = arena.pointers(attributes.count) { attributes[$0] }

        let graph = arena.new(Onnx__GraphProto.self)
        onnx__graph_proto__init(graph)
        graph.pointee.name = arena.cString(model.name)
        graph.pointee.n_node = 1
        graph.pointee.node = arena.pointers(1) { _ in node }
        let names = model.preprocessing.featureNames
        let input = valueInfo("input", OnnxTensor.double, [nil, Int64(forest.numFeatures)], arena)
        if !names.contains(where: { $0.contains(",") }) {
            let e = arena.new(Onnx__StringStringEntryProto.self)
            onnx__string_string_entry_proto__init(e)
            e.pointee.key = arena.cString("feature_names")
            e.pointee.value = arena.cString(names.joined(separator: ","))
            input.pointee.n_metadata_props = 1
            input.pointee.metadata_props = arena.pointers(1) { _ in e }
        }
        graph.pointee.n_input = 1
        graph.pointee.input = arena.pointers(1) { _ in input }
        let outs = classifier
            ? [valueInfo("label", OnnxTensor.string, [nil], arena), valueInfo("probabilities", OnnxTensor.float, [nil, Int64(k)], arena)]
            : [valueInfo("variable", OnnxTensor.float, [nil, 1], arena)]
        graph.pointee.n_output = outs.count
        graph.pointee.output = arena.pointers(outs.count) { outs[$0] }

        let m = arena.new(Onnx__ModelProto.self)
        onnx__model_proto__init(m)
        m.pointee.has_ir_version = 1
        m.pointee.ir_version = 8
        m.pointee.producer_name = arena.cString("grove")
        m.pointee.producer_version = arena.cString(producerVersion)
        m.pointee.has_model_version = 1
        m.pointee.model_version = Int64(clamping: model.version)
        m.pointee.graph = graph
        let opsets = [("", Int64(17)), ("ai.onnx.ml", Int64(3))].map { domain, version in
            let o = arena.new(Onnx__OperatorSetIdProto.self)
            onnx__operator_set_id_proto__init(o)
            o.pointee.domain = arena.cString(domain)
            o.pointee.has_version = 1
            o.pointee.version = version
            return o
        }
        m.pointee.n_opset_import = opsets.count
        m.pointee.opset_import = arena.pointers(opsets.count) { opsets[$0] }
        return WirePack.bytes(WirePack.message(m))
    }

    static func postTransform(_ link: ForestLink) -> String {
        switch link {
        case .identity: return "NONE"
        case .logistic: return "LOGISTIC"
        case .softmax: return "SOFTMAX"
        case .softmaxZero: return "SOFTMAX_ZERO"
        case .probit: return "PROBIT"
        }
    }

    // MARK: - C builders

    private static func attribute(_ name: String, _ type: Onnx__AttributeProto__AttributeType, _ arena: Arena)
        -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let a = arena.new(Onnx__AttributeProto.self)
        onnx__attribute_proto__init(a)
        a.pointee.name = arena.cString(name)
        a.pointee.has_type = 1
        a.pointee.type = type
        return a
    }

    private static func ints(_ name: String, _ v: [Int64], _ arena: Arena) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let a = attribute(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, arena)
        a.pointee.n_ints = v.count
        a.pointee.ints = arena.copy(v)
        return a
    }

    private static func int(_ name: String, _ v: Int64, _ arena: Arena) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let a = attribute(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, arena)
        a.pointee.has_i = 1
        a.pointee.i = v
        return a
    }

    private static func bytes(_ s: String, _ arena: Arena) -> ProtobufCBinaryData {
        let utf8 = Array(s.utf8)
        return ProtobufCBinaryData(len: utf8.count, data: arena.copy(utf8))
    }

    private static func string(_ name: String, _ v: String, _ arena: Arena) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let a = attribute(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, arena)
        a.pointee.has_s = 1
        a.pointee.s = bytes(v, arena)
        return a
    }

    private static func strings(_ name: String, _ v: [String], _ arena: Arena) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let a = attribute(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS, arena)
        a.pointee.n_strings = v.count
        a.pointee.strings = arena.copy(v.map { bytes($0, arena) })
        return a
    }

    private static func doubles(_ name: String, _ v: [Double], _ arena: Arena) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let a = attribute(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, arena)
        let t = arena.new(Onnx__TensorProto.self)
        onnx__tensor_proto__init(t)
        t.pointee.has_data_type = 1
        t.pointee.data_type = OnnxTensor.double
        t.pointee.n_dims = 1
        t.pointee.dims = arena.copy([Int64(v.count)])
        t.pointee.n_double_data = v.count
        t.pointee.double_data = arena.copy(v)
        a.pointee.t = t
        return a
    }

    private static func cStrings(_ v: [String], _ arena: Arena) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        arena.copy(v.map { Optional(arena.cString($0)) })
    }

    private static func valueInfo(_ name: String, _ elem: Int32, _ dims: [Int64?], _ arena: Arena)
        -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        let v = arena.new(Onnx__ValueInfoProto.self)
        onnx__value_info_proto__init(v)
        v.pointee.name = arena.cString(name)
        let tt = arena.new(Onnx__TypeProto__Tensor.self)
        onnx__type_proto__tensor__init(tt)
        tt.pointee.has_elem_type = 1
        tt.pointee.elem_type = elem
        let shape = arena.new(Onnx__TensorShapeProto.self)
        onnx__tensor_shape_proto__init(shape)
        let ds = dims.map { d in
            let x = arena.new(Onnx__TensorShapeProto__Dimension.self)
            onnx__tensor_shape_proto__dimension__init(x)
            if let d {
                x.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                x.pointee.dim_value = d
            } else {
                x.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                x.pointee.dim_param = arena.cString("N")
            }
            return x
        }
        shape.pointee.n_dim = ds.count
        shape.pointee.dim = arena.pointers(ds.count) { ds[$0] }
        tt.pointee.shape = shape
        let type = arena.new(Onnx__TypeProto.self)
        onnx__type_proto__init(type)
        type.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        type.pointee.tensor_type = tt
        v.pointee.type = type
        return v
    }
}
