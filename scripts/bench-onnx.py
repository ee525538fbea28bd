#!/usr/bin/env python3
"""ONNX import speed: one row through Grove's engine vs onnxruntime's Python session, same files, same run.

Trains a 300-tree depth-6 XGBoost classifier (synthetic data, 20 features, 10% missing) and a
100-tree scikit-learn RandomForestClassifier (the bundled German credit data, one-hot), exports
both to ONNX (onnxmltools, skl2onnx), imports each with `grove import`, then times one row:
  onnxruntime: InferenceSession.run on a (1, F) float32 array, in Python (what a Python service
               calling onnxruntime pays per request), median over 5 rounds of 2,000 calls;
  Grove:       `grove bench --inference-only` (CompiledForest.predict(row:into:), in process,
               median of 5 rounds of 20,000 rows).
Prints ns/row for both and the ratio onnxruntime / Grove (the target is >= 5x), for two runs.
Not part of `make test`.

Usage: /work/venv/bin/python scripts/bench-onnx.py GROVE_RELEASE_BINARY [--rounds 2]
Needs: numpy, pandas, scikit-learn, xgboost, skl2onnx, onnxmltools, onnxruntime.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def models(tmp):
    from onnxmltools import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType as SklearnFloatTensorType
    from sklearn.ensemble import RandomForestClassifier
    import xgboost as xgb

    rng = np.random.default_rng(1)
    X = rng.normal(size=(20000, 20))
    y = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] + rng.normal(scale=0.5, size=len(X)) > 0).astype(int)
    X[rng.random(X.shape) < 0.1] = np.nan
    booster = xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, random_state=0, n_jobs=2).fit(X, y)
    xgb_onnx = convert_xgboost(booster, initial_types=[("input", FloatTensorType([None, X.shape[1]]))], target_opset=15)
    yield "xgboost_300x6", xgb_onnx, X[:2000]

    df = pd.read_csv(os.path.join(ROOT, "data", "german_credit.csv"))
    yc = (df.pop("creditability") == "bad").astype(int).to_numpy()
    Xc = pd.get_dummies(df, dtype=float).to_numpy(dtype=np.float64)
    rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(Xc, yc)
    rf_onnx = to_onnx(rf, initial_types=[("input", SklearnFloatTensorType([None, Xc.shape[1]]))],
                      options={id(rf): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 1})
    yield "sklearn_rf_100", rf_onnx, Xc


def time_ort(path, X, calls=2000, rounds=5):
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    so = s.get_inputs()[0].name
    rows = [X[i:i + 1].astype(np.float32) for i in range(min(len(X), 500))]
    for r in rows[:100]:
        s.run(None, {so: r})
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for i in range(calls):
            s.run(None, {so: rows[i % len(rows)]})
        out.append((time.perf_counter_ns() - t0) / calls)
    return sorted(out)[len(out) // 2]


def time_grove(grove, path, X, tmp, name):
    repo = os.path.join(tmp, "repo")
    subprocess.run([grove, "import", "--onnx", path, "--repo", repo, "--name", name], check=True, capture_output=True)
    csv = os.path.join(tmp, name + ".csv")
    pd.DataFrame(X[:500], columns=[f"f{i}" for i in range(X.shape[1])]).to_csv(csv, index=False, na_rep="")
    res = subprocess.run([grove, "bench", "--repo", repo, "--model", name, "--data", csv, "--inference-only", "--json"],
                         check=True, capture_output=True, text=True)
    o = json.loads(res.stdout)
    for entry in o["results"]:
        if entry.get("name") == "inference one row":
            return entry["ns_per_row"]
    raise SystemExit(f"cannot find the one-row figure in: {res.stdout}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grove")
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name, model, X in models(tmp):
            path = os.path.join(tmp, name + ".onnx")
            with open(path, "wb") as f:
                f.write(model.SerializeToString())
            for run in range(a.rounds):
                o = time_ort(path, X)
                g = time_grove(a.grove, path, X, tmp, name)
                results.setdefault(name, []).append((o, g))
                print(f"{name:16s} run {run + 1}: onnxruntime {o:9.0f} ns/row   grove {g:7.0f} ns/row   ratio {o / g:6.1f}x",
                      flush=True)
        for name, runs in results.items():
            o = sorted(r[0] for r in runs)[len(runs) // 2] if len(runs) % 2 else sum(r[0] for r in runs) / len(runs)
            g = sorted(r[1] for r in runs)[len(runs) // 2] if len(runs) % 2 else sum(r[1] for r in runs) / len(runs)
            print(json.dumps({"model": name, "onnxruntime_ns_per_row": round(o), "grove_ns_per_row": round(g),
                              "ratio": round(o / g, 2), "runs": len(runs)}))


if __name__ == "__main__":
    sys.exit(main())
