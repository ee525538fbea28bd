// TreeJSON: a model's trees as JSON arrays (grove export --format json), for review and third-party tools.

import Foundation
import GroveForest

/// The JSON document `grove export --format json` writes: model, version, task,
/// feature_names, classes, positive_class, inputs (the preprocessing), decision,
/// aggregation, link, base_score and trees. Each tree holds parallel arrays over its nodes
/// (node 0 is the root): children_left, children_right (-1 at leaves), children_default
/// (the child a missing value takes; -1 at leaves), feature (encoded index; -2 at leaves),
/// threshold (-2 at leaves), value (per node: class probabilities or the value; internal
/// nodes hold the cover-weighted mean of their leaves) and cover (in-bag training count).
/// A row goes left when x[feature] <= threshold (strict splits are written with the next
/// lower threshold, so one rule holds everywhere).
enum TreeJSON {
    /// The export document. Numbers are written in Swift's shortest round-trip form,
    /// so a reader gets the model's exact doubles back.
    static func document(_ model: TrainedModel) -> String {
        let p = model.preprocessing, forest = model.forest
        var s = "{\"format\":\"grove-trees-1\",\"model\":\(string(model.name)),\"version\":\(model.version),"
        s += "\"task\":\(string(model.task == .classification ? "classification" : "regression")),"
        s += "\"feature_names\":[\(p.featureNames.map(string).joined(separator: ","))],"
        s += "\"classes\":[\(p.classes.map(string).joined(separator: ","))],"
        s += "\"positive_class\":\(p.positiveClass.map { string(p.classes[$0]) } ?? "null"),"
        s += "\"inputs\":[" + p.columns.map { c in
            "{\"name\":\(string(c.name)),\"kind\":\(string(c.kind == .numeric ? "numeric" : "categorical")),"
                + "\"categories\":[\(c.categories.map(string).joined(separator: ","))],\"fill_value\":\(number(c.fillValue))}"
        }.joined(separator: ",") + "],"
        s += "\"decision\":\"x[feature] <= threshold goes to children_left, else children_right; missing (NaN) goes to children_default\","
        s += "\"aggregation\":\(string(forest.aggregation.rawValue)),\"link\":\(string(forest.link.rawValue)),"
        s += "\"base_score\":[\(forest.baseScore.map(number).joined(separator: ","))],\"trees\":["
        s += forest.trees.map { tree($0, outputs: forest.numOutputs) }.joined(separator: ",")
        return s + "]}\n"
    }

    /// One tree's arrays.
    static func tree(_ t: Tree, outputs k: Int) -> String {
        let n = t.nodeCount
        var value = [[Double]](repeating: [], count: n)
        // Children come after their parents: fill leaves, then parents from the back.
        for i in stride(from: n - 1, through: 0, by: -1) {
            if t.isLeaf(i) {
                let off = Int(t.leafOffset[i])
                value[i] = Array(t.leafValues[off..<(off + k)])
            } else {
                let l = Int(t.left[i]), r = Int(t.right[i])
                let cl = t.cover.isEmpty ? 1 : t.cover[l], cr = t.cover.isEmpty ? 1 : t.cover[r]
                let total = cl + cr
                value[i] = (0..<k).map { total > 0 ? (cl * value[l][$0] + cr * value[r][$0]) / total : 0 }
            }
        }
        var left: [String] = [], right: [String] = [], defaults: [String] = [], feature: [String] = [], threshold: [String] = []
        for i in 0..<n {
            if t.isLeaf(i) {
                left.append("-1"); right.append("-1"); defaults.append("-1"); feature.append("-2"); threshold.append("-2")
                continue
            }
            let flags = t.flags.isEmpty ? TreeNodeFlags() : TreeNodeFlags(rawValue: t.flags[i])
            left.append(String(t.left[i])); right.append(String(t.right[i]))
            defaults.append(String(flags.contains(.missingRight) ? t.right[i] : t.left[i]))
            feature.append(String(t.feature[i]))
            threshold.append(number(flags.contains(.strictLess) ? t.threshold[i].nextDown : t.threshold[i]))
        }
        return "{\"children_left\":[\(left.joined(separator: ","))],\"children_right\":[\(right.joined(separator: ","))],"
            + "\"children_default\":[\(defaults.joined(separator: ","))],\"feature\":[\(feature.joined(separator: ","))],"
            + "\"threshold\":[\(threshold.joined(separator: ","))],"
            + "\"value\":[\(value.map { "[" + $0.map(number).joined(separator: ",") + "]" }.joined(separator: ","))],"
            + "\"cover\":[\(t.cover.map(number).joined(separator: ","))]}"
    }

    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    static func string(_ s: String) -> String { JSONText.encode([s]).dropFirst().dropLast().description }
}
