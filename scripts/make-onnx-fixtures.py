#!/usr/bin/env python3
"""Generates the ONNX import fixtures in Tests/GroveONNXTests/Fixtures (run by hand or `make fixtures`).

Trains small tree ensembles on the bundled German credit data (one-hot encoded as
pandas.get_dummies, numeric columns as they are) and on synthetic data with missing values,
exports each to ONNX with the converter its users would use (skl2onnx for scikit-learn,
onnxmltools for XGBoost and LightGBM), and builds a few graphs by hand with onnx.helper for
the node modes and post transforms no converter writes. For every fixture it writes:

  NAME.onnx   the model (small: a few trees, shallow)
  NAME.columns the feature names, one per line (as `grove import --columns` reads them)
  NAME.csv    the input rows (columns c0.., "nan" for missing), then the native library's
              outputs (native_0..), onnxruntime's outputs (ort_0..), and both labels
              (native_label, ort_label); numbers printed with 17 significant digits

and manifest.json listing every fixture: kind, producer, input names, outputs per row.
`make test` reads only these committed files; it needs none of the Python packages.

Usage: /work/venv/bin/python scripts/make-onnx-fixtures.py [OUT_DIR]
Needs: numpy, pandas, scikit-learn, skl2onnx, xgboost, lightgbm, onnxmltools, onnx, onnxruntime.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "GroveONNXTests", "Fixtures")
ROWS = 64
RNG = np.random.default_rng(7)


def credit():
    df = pd.read_csv(os.path.join(ROOT, "data", "german_credit.csv"))
    y = (df.pop("creditability") == "bad").astype(int).to_numpy()
    X = pd.get_dummies(df, dtype=float)
    return X.to_numpy(dtype=np.float64), y, [str(c) for c in X.columns], df


def synthetic(n=600, features=6, classes=2, missing=0.15):
    X = RNG.normal(size=(n, features))
    logits = X[:, 0] * 1.5 - X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
    if classes == 2:
        y = (logits + RNG.normal(scale=0.5, size=n) > 0).astype(int)
    else:
        y = np.digitize(logits + RNG.normal(scale=0.3, size=n), [-0.7, 0.7])
    if missing:
        X[RNG.random(X.shape) < missing] = np.nan
    return X, y, [f"x{i}" for i in range(features)]


def fmt(v):
    if isinstance(v, (str, np.str_)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    return "nan" if np.isnan(v) else repr(v)


def session(path):
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def ort_run(path, X):
    s = session(path)
    inp = s.get_inputs()[0]
    dtype = {"tensor(float)": np.float32, "tensor(double)": np.float64}[inp.type]
    res = s.run(None, {inp.name: X.astype(dtype)})
    outs = {o.name: r for o, r in zip(s.get_outputs(), res)}
    return outs


def ort_scores(outs, kind):
    if kind == "regressor":
        v = next(iter(outs.values()))
        return np.asarray(v, dtype=np.float64).reshape(-1, 1), None
    label = None
    scores = None
    for name, v in outs.items():
        if isinstance(v, list):  # ZipMap: a list of dicts
            keys = list(v[0].keys())
            scores = np.array([[d[k] for k in keys] for d in v], dtype=np.float64)
        elif v.ndim == 2:
            scores = np.asarray(v, dtype=np.float64)
        else:
            label = v
    return scores, label


MANIFEST = []


def write(name, model_proto, X, feature_names, kind, native, native_label, producer, note):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model_proto.SerializeToString())
    outs = ort_run(path, X)
    scores, label = ort_scores(outs, kind)
    native = np.asarray(native, dtype=np.float64).reshape(len(X), -1)
    k = scores.shape[1]
    assert native.shape[1] == k, (name, native.shape, scores.shape)
    # Feature names (which may hold commas) go to NAME.columns, one per line, as --columns reads them.
    with open(os.path.join(OUT, name + ".columns"), "w") as f:
        f.write("".join(n + "\n" for n in feature_names))
    header = [f"c{j}" for j in range(len(feature_names))] + [f"native_{j}" for j in range(k)] + [f"ort_{j}" for j in range(k)]
    if kind == "classifier":
        header += ["native_label", "ort_label"]
    with open(os.path.join(OUT, name + ".csv"), "w") as f:
        f.write(",".join(header) + "\n")
        for i in range(len(X)):
            row = [fmt(v) for v in X[i]] + [fmt(v) for v in native[i]] + [fmt(v) for v in scores[i]]
            if kind == "classifier":
                row += [fmt(native_label[i]), fmt(label[i])]
            f.write(",".join(row) + "\n")
    dn = np.abs(native - scores).max()
    MANIFEST.append({"name": name, "kind": kind, "features": len(feature_names), "outputs": k,
                     "producer": producer, "note": note})
    print(f"{name:24s} {os.path.getsize(path):7d} bytes  max|native-ort| {dn:.3g}")


def sample(X, n=ROWS):
    idx = RNG.choice(len(X), size=min(n, len(X)), replace=False)
    return X[idx]


def sklearn_fixtures():
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    from sklearn.ensemble import (GradientBoostingClassifier, RandomForestClassifier,
                                  RandomForestRegressor)

    X, y, names, raw = credit()
    rows = sample(X)
    rf = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0).fit(X, y)
    m = to_onnx(rf, initial_types=[("input", FloatTensorType([None, X.shape[1]]))],
                options={id(rf): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 1})
    write("sklearn_rf_binary", m, rows, names, "classifier", rf.predict_proba(rows), rf.predict(rows),
          "skl2onnx", "RandomForestClassifier, German credit (bad=1), float input, opset-1 float thresholds")

    # The same forest with double input (skl2onnx still writes opset-1 float thresholds).
    m = to_onnx(rf, initial_types=[("input", DoubleTensorType([None, X.shape[1]]))],
                options={id(rf): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    write("sklearn_rf_binary_double", m, rows, names, "classifier", rf.predict_proba(rows), rf.predict(rows),
          "skl2onnx", "RandomForestClassifier, double input (compared in double with the float thresholds)")

    # With ZipMap and string labels (the converter's default plumbing).
    ys = np.where(y == 1, "bad", "good")
    rfs = RandomForestClassifier(n_estimators=10, max_depth=5, random_state=1).fit(X, ys)
    m = to_onnx(rfs, initial_types=[("input", FloatTensorType([None, X.shape[1]]))],
                target_opset={"": 17, "ai.onnx.ml": 1})
    write("sklearn_rf_strings_zipmap", m, rows, names, "classifier", rfs.predict_proba(rows), rfs.predict(rows),
          "skl2onnx", "RandomForestClassifier, string labels, ZipMap output")

    Xs, ys3, snames = synthetic(classes=3, missing=0)
    rows3 = sample(Xs)
    rf3 = RandomForestClassifier(n_estimators=15, max_depth=5, random_state=0).fit(Xs, ys3)
    m = to_onnx(rf3, initial_types=[("input", FloatTensorType([None, Xs.shape[1]]))],
                options={id(rf3): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 1})
    write("sklearn_rf_multiclass", m, rows3, snames, "classifier", rf3.predict_proba(rows3), rf3.predict(rows3),
          "skl2onnx", "RandomForestClassifier, 3 classes, synthetic")

    amount = raw["credit_amount"].to_numpy(dtype=np.float64)
    Xr = np.delete(X, names.index("credit_amount"), axis=1)
    rnames = [n for n in names if n != "credit_amount"]
    rrows = sample(Xr)
    rfr = RandomForestRegressor(n_estimators=15, max_depth=6, random_state=0).fit(Xr, amount)
    m = to_onnx(rfr, initial_types=[("input", FloatTensorType([None, Xr.shape[1]]))],
                target_opset={"": 17, "ai.onnx.ml": 1})
    write("sklearn_rf_regressor", m, rrows, rnames, "regressor", rfr.predict(rrows), None,
          "skl2onnx", "RandomForestRegressor, credit_amount from the other columns")

    gb = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    m = to_onnx(gb, initial_types=[("input", FloatTensorType([None, X.shape[1]]))],
                options={id(gb): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 1})
    write("sklearn_gb_binary", m, rows, names, "classifier", gb.predict_proba(rows), gb.predict(rows),
          "skl2onnx", "GradientBoostingClassifier, binary (single-class score, LOGISTIC)")


def xgboost_fixtures():
    import xgboost as xgb
    from onnxmltools import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    X, y, names = synthetic(classes=2, missing=0.2)
    rows = sample(X)
    clf = xgb.XGBClassifier(n_estimators=25, max_depth=4, learning_rate=0.3, random_state=0).fit(X, y)
    m = convert_xgboost(clf, initial_types=[("input", FloatTensorType([None, X.shape[1]]))], target_opset=15)
    write("xgboost_binary_nan", m, rows, names, "classifier", clf.predict_proba(rows), clf.predict(rows),
          "onnxmltools", "XGBClassifier binary, 20% missing values (learned default directions)")

    X3, y3, names3 = synthetic(classes=3, missing=0.1)
    rows3 = sample(X3)
    clf3 = xgb.XGBClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X3, y3)
    m = convert_xgboost(clf3, initial_types=[("input", FloatTensorType([None, X3.shape[1]]))], target_opset=15)
    write("xgboost_multiclass", m, rows3, names3, "classifier", clf3.predict_proba(rows3), clf3.predict(rows3),
          "onnxmltools", "XGBClassifier, 3 classes (SOFTMAX), 10% missing")


def lightgbm_fixtures():
    import lightgbm as lgb
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    X, y, names = synthetic(classes=2, missing=0.2)
    rows = sample(X)
    clf = lgb.LGBMClassifier(n_estimators=25, num_leaves=15, random_state=0, verbose=-1).fit(X, y)
    m = convert_lightgbm(clf, initial_types=[("input", FloatTensorType([None, X.shape[1]]))],
                         zipmap=False, target_opset=15)
    write("lightgbm_binary_nan", m, rows, names, "classifier", clf.predict_proba(rows), clf.predict(rows),
          "onnxmltools", "LGBMClassifier binary, 20% missing values")

    Xr, _, rnames = synthetic(classes=2, missing=0.1)
    target = np.nan_to_num(Xr[:, 0]) * 3 + np.nan_to_num(Xr[:, 1]) ** 2 + 10
    rrows = sample(Xr)
    reg = lgb.LGBMRegressor(n_estimators=25, num_leaves=15, random_state=0, verbose=-1).fit(Xr, target)
    m = convert_lightgbm(reg, initial_types=[("input", FloatTensorType([None, Xr.shape[1]]))], target_opset=15)
    write("lightgbm_regressor", m, rrows, rnames, "regressor", reg.predict(rrows), None,
          "onnxmltools", "LGBMRegressor, 10% missing values")


def reference(model, X):
    from onnx.reference import ReferenceEvaluator
    ref = ReferenceEvaluator(model)
    name = model.graph.input[0].name
    elem = model.graph.input[0].type.tensor_type.elem_type
    dtype = np.float32 if elem == TensorProto.FLOAT else np.float64
    return ref.run(None, {name: X.astype(dtype)})


def handmade(name, op, attrs, features, classes, X, elem=TensorProto.FLOAT, note="", opset=1):
    """A single tree-ensemble node built with onnx.helper; native = onnx's reference evaluator.

    The reference evaluator sends NaN to the false branch of BRANCH_NEQ (onnxruntime, and Grove,
    compare as IEEE does: NaN != t is true), so tests hold hand-built fixtures to onnxruntime only."""
    kind = "classifier" if op == "TreeEnsembleClassifier" else "regressor"
    inp = helper.make_tensor_value_info("X", elem, [None, features])
    if kind == "classifier":
        label_type = TensorProto.STRING if classes and isinstance(classes[0], str) else TensorProto.INT64
        outs = [helper.make_tensor_value_info("label", label_type, [None]),
                helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, None])]
        if label_type == TensorProto.STRING:
            attrs["classlabels_strings"] = classes
        else:
            attrs["classlabels_int64s"] = classes
    else:
        outs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])]
    node = helper.make_node(op, ["X"], [o.name for o in outs], domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph([node], name, [inp], outs)
    model = helper.make_model(graph, producer_name="grove-fixtures", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", opset)])
    model.ir_version = 8
    try:
        res = reference(model, X)
    except TypeError:  # the reference evaluator reads no *_as_tensor attribute: onnxruntime stands in
        path = os.path.join(OUT, name + ".onnx")
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
        outs = list(ort_run(path, X).values())
        res = outs if kind == "regressor" else [outs[0], outs[1]]
        note += " (native column: onnxruntime)"
    names = [f"f{i}" for i in range(features)]
    if kind == "classifier":
        write(name, model, X, names, kind, res[1], res[0], "grove-fixtures", note)
    else:
        write(name, model, X, names, kind, res[0], None, "grove-fixtures", note)


def one_tree(modes, values, tracks=None):
    """A depth-2 tree over features 0 and 1 with the given root/inner modes; 4 leaves."""
    a = dict(nodes_treeids=[0] * 7, nodes_nodeids=list(range(7)),
             nodes_featureids=[0, 1, 1, 0, 0, 0, 0], nodes_modes=modes + ["LEAF"] * 4,
             nodes_values=values + [0.0] * 4, nodes_truenodeids=[1, 3, 5, 0, 0, 0, 0],
             nodes_falsenodeids=[2, 4, 6, 0, 0, 0, 0])
    # Always written: onnx's reference evaluator needs it to walk NaN.
    a["nodes_missing_value_tracks_true"] = (tracks or [0, 0, 0]) + [0] * 4
    return a


def handmade_fixtures():
    grid = np.array([[x, z] for x in [-1.0, 0.0, 0.1, 0.30000001192092896, 0.3, 0.5, np.nan, 2.0]
                     for z in [-0.5, 0.25, 0.2500000001, np.nan, 1.0]], dtype=np.float64)
    for modes, tag in [(["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE"], "leq_lt_gte"),
                       (["BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"], "gt_eq_neq")]:
        for tracks in [None, [1, 0, 1]]:
            a = one_tree(modes, [0.3, 0.25, 0.25], tracks)
            a.update(target_treeids=[0] * 4, target_nodeids=[3, 4, 5, 6], target_ids=[0] * 4,
                     target_weights=[1.5, -2.0, 4.25, 8.0], base_values=[0.5], aggregate_function="SUM", n_targets=1)
            handmade(f"modes_{tag}{'_tracks' if tracks else ''}", "TreeEnsembleRegressor", a, 2, None, grid,
                     note=f"hand-built regressor: modes {modes}, missing tracks {tracks}")
    # Double input, opset-3 double thresholds, AVERAGE over two trees.
    a = one_tree(["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GT"], [0.0, 0.0, 0.0])
    b = one_tree(["BRANCH_GTE", "BRANCH_LEQ", "BRANCH_LEQ"], [0.0, 0.0, 0.0], [0, 1, 1])
    merged = {k: a[k] + b[k] for k in a}
    merged["nodes_treeids"] = [0] * 7 + [1] * 7
    merged["nodes_values_as_tensor"] = helper.make_tensor("v", TensorProto.DOUBLE, [14],
                                                          [0.3, 0.25, 0.1, 0, 0, 0, 0, 0.30000001192092896, 0.2500000001, 0.25, 0, 0, 0, 0])
    del merged["nodes_values"]
    merged.update(target_treeids=[0] * 4 + [1] * 4, target_nodeids=[3, 4, 5, 6] * 2, target_ids=[0] * 8,
                  target_weights_as_tensor=helper.make_tensor("w", TensorProto.DOUBLE, [8],
                                                              [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]),
                  base_values_as_tensor=helper.make_tensor("b", TensorProto.DOUBLE, [1], [0.25]),
                  aggregate_function="AVERAGE", n_targets=1)
    handmade("average_double_opset3", "TreeEnsembleRegressor", merged, 2, None, grid, elem=TensorProto.DOUBLE,
             opset=3, note="hand-built regressor: double input and thresholds, AVERAGE of two trees, base value")
    # Post transforms on a 3-class classifier, and the single-class binary rule.
    for transform in ["NONE", "SOFTMAX", "SOFTMAX_ZERO", "LOGISTIC", "PROBIT"]:
        a = one_tree(["BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LEQ"], [0.3, 0.25, 0.25])
        weights = [0.1, 0.2, 0.0, 0.3, 0.0, 0.05, 0.2, 0.1, 0.3, 0.0, 0.4, 0.2]
        if transform == "PROBIT":
            weights = [w * 0.9 + 0.01 for w in weights]
        a.update(class_treeids=[0] * 12, class_nodeids=[3] * 3 + [4] * 3 + [5] * 3 + [6] * 3,
                 class_ids=[0, 1, 2] * 4, class_weights=weights, post_transform=transform)
        handmade(f"classifier3_{transform.lower()}", "TreeEnsembleClassifier", a, 2, [10, 20, 30], grid,
                 note=f"hand-built 3-class classifier, post_transform {transform}")
    for transform, weights in [("NONE", [0.2, 0.4, 0.7, 0.9]), ("LOGISTIC", [-1.5, 0.5, -0.25, 2.0])]:
        a = one_tree(["BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LEQ"], [0.3, 0.25, 0.25])
        a.update(class_treeids=[0] * 4, class_nodeids=[3, 4, 5, 6], class_ids=[0] * 4, class_weights=weights,
                 post_transform=transform)
        if transform == "LOGISTIC":
            a["base_values"] = [0.125]
        handmade(f"binary_single_{transform.lower()}", "TreeEnsembleClassifier", a, 2, ["no", "yes"], grid,
                 note=f"hand-built binary classifier with one score column, post_transform {transform}")


def opset5_fixtures():
    """ai.onnx.ml TreeEnsemble (opset 5): leaves in their own arrays, BRANCH_MEMBER sets."""
    grid = np.array([[x, z] for x in [-1.0, 0.0, 1.0, 2.0, 2.5, 3.0, np.nan]
                     for z in [-0.5, 0.25, 1.0, np.nan]], dtype=np.float32).astype(np.float64)
    # Tree 0: x0 in {1, 3} ? (x1 <= 0.25 ? leaf0 : leaf1) : leaf2.  Tree 1: x1 > 0.5 ? leaf3 : leaf4 (NaN true).
    attrs = dict(
        n_targets=1, aggregate_function=1, post_transform=0,
        tree_roots=[0, 2],
        nodes_featureids=[0, 1, 1],
        nodes_modes=helper.make_tensor("m", TensorProto.UINT8, [3], [6, 0, 3]),
        nodes_splits=helper.make_tensor("s", TensorProto.FLOAT, [3], [0.0, 0.25, 0.5]),
        nodes_truenodeids=[1, 0, 3], nodes_trueleafs=[0, 1, 1],
        nodes_falsenodeids=[2, 1, 4], nodes_falseleafs=[1, 1, 1],
        nodes_missing_value_tracks_true=[0, 0, 1],
        membership_values=helper.make_tensor("mv", TensorProto.FLOAT, [3], [1.0, 3.0, np.nan]),
        leaf_targetids=[0, 0, 0, 0, 0],
        leaf_weights=helper.make_tensor("w", TensorProto.FLOAT, [5], [1.0, 2.0, 4.0, 8.0, 16.0]),
    )
    inp = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])
    out = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])
    node = helper.make_node("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", **attrs)
    model = helper.make_model(helper.make_graph([node], "opset5", [inp], [out]), producer_name="grove-fixtures",
                              producer_version="1",
                              opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)])
    model.ir_version = 10
    path = os.path.join(OUT, "opset5_member.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    res = ort_run(path, grid)
    write("opset5_member", model, grid, ["f0", "f1"], "regressor", next(iter(res.values())), None, "grove-fixtures",
          "hand-built ai.onnx.ml TreeEnsemble opset 5: BRANCH_MEMBER set, leaves apart (native column: onnxruntime)")


MALFORMED = []


def malformed(name, model, why):
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())
    MALFORMED.append({"name": name, "refused_because": why})


def malformed_fixtures():
    """Files grove import must refuse, each with the words its error must contain."""
    def regressor(**over):
        a = one_tree(["BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LEQ"], [0.3, 0.25, 0.25])
        a.update(target_treeids=[0] * 4, target_nodeids=[3, 4, 5, 6], target_ids=[0] * 4,
                 target_weights=[1.0, 2.0, 3.0, 4.0], n_targets=1)
        a.update(over)
        return a

    def graph(attrs, extra=()):
        inp = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])
        out = helper.make_tensor_value_info("Z" if extra else "Y", TensorProto.FLOAT, [None, 1])
        nodes = [helper.make_node("TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml", **attrs)] + list(extra)
        m = helper.make_model(helper.make_graph(nodes, "bad", [inp], [out]), producer_name="grove-fixtures",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)])
        return m

    malformed("bad_cycle", graph(regressor(nodes_truenodeids=[1, 0, 5, 0, 0, 0, 0])), "reached twice")
    malformed("bad_self_loop", graph(regressor(nodes_truenodeids=[0, 3, 5, 0, 0, 0, 0],
                                               nodes_falsenodeids=[0, 4, 6, 0, 0, 0, 0])), "reached twice")
    malformed("bad_missing_child", graph(regressor(nodes_truenodeids=[1, 99, 5, 0, 0, 0, 0])), "does not exist")
    malformed("bad_lengths", graph(regressor(nodes_featureids=[0, 1])), "nodes_featureids has 2 entries")
    malformed("bad_mode", graph(regressor(nodes_modes=["BRANCH_LEQ", "BRANCH_ALMOST", "BRANCH_LEQ"] + ["LEAF"] * 4)),
              "unknown node mode BRANCH_ALMOST")
    malformed("bad_type", graph(regressor(nodes_modes=[0, 0, 0, 4, 4, 4, 4])), "nodes_modes is not a list of strings")
    malformed("bad_operator", graph(regressor(), [helper.make_node("Abs", ["Y"], ["Z"])]), "the operator Abs")
    malformed("bad_weight_node", graph(regressor(target_nodeids=[3, 4, 5, 1])), "not a leaf")
    malformed("bad_aggregate", graph(regressor(aggregate_function="MAX")), "aggregate_function MAX")


if __name__ == "__main__":
    sklearn_fixtures()
    xgboost_fixtures()
    lightgbm_fixtures()
    handmade_fixtures()
    opset5_fixtures()
    malformed_fixtures()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"fixtures": MANIFEST, "malformed": MALFORMED, "versions": {
            "onnx": onnx.__version__, "onnxruntime": ort.__version__,
            "sklearn": __import__("sklearn").__version__, "xgboost": __import__("xgboost").__version__,
            "lightgbm": __import__("lightgbm").__version__}}, f, indent=1)
        f.write("\n")
