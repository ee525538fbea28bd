#!/usr/bin/env python3
"""Exact explanations, Grove against shap's TreeExplainer on the same trees, in the same run.

Usage: scripts/bench_explain.py GROVE REPO NAME DATA.csv [--rows 200] [--runs 2]

Exports the model with `grove export --format json`, rebuilds the same trees as a shap
TreeExplainer (path-dependent TreeSHAP, shap's C++ `tree_shap.h`, one thread), encodes the
CSV with the exported preprocessing, and times one row at a time (--rows rows) and one batch.
Grove's figure is `grove bench --inference-only`'s "explain one row" (one thread, the
allocation-free call), measured in the same run. Also checks that both give the same values
(max |difference| per encoded feature). Needs shap (pip); never used by `make test`.
"""
import argparse, json, math, statistics, subprocess, sys, tempfile, time

import numpy as np
import pandas as pd
import shap


def encode(frame, inputs):
    cols = []
    for c in inputs:
        raw = frame[c["name"]] if c["name"] in frame.columns else pd.Series([None] * len(frame))
        if c["kind"] == "numeric":
            v = pd.to_numeric(raw, errors="coerce").astype(float)
            cols.append(v.fillna(c["fill_value"]).to_numpy()[:, None])
        else:
            text = raw.astype(object).map(lambda x: None if x is None or (isinstance(x, float) and math.isnan(x)) else str(x))
            cols.append(np.stack([(text == cat).to_numpy(dtype=float) for cat in c["categories"]], axis=1))
    return np.hstack(cols)


def explained_output(export):
    """The output Grove explains by default (ModelExplainer.defaultOutput): the positive class,
    else the second of two classes, else output 0 (regression, or multi-class)."""
    classes, trees = export["classes"], export["trees"]
    if export["positive_class"] is not None:
        return classes.index(export["positive_class"])
    outputs = len(trees[0]["value"][0]) if trees and trees[0]["value"] else 0
    return 1 if len(classes) == 2 and outputs == 2 else 0


def shap_model(export):
    pos = explained_output(export)
    trees = export["trees"]
    scale = 1.0 / len(trees) if export["aggregation"] == "average" else 1.0
    out = []
    for t in trees:
        out.append({
            "children_left": np.array(t["children_left"]), "children_right": np.array(t["children_right"]),
            "children_default": np.array(t["children_default"]), "features": np.array(t["feature"]),
            "thresholds": np.array(t["threshold"], dtype=float),
            "values": np.array([[v[pos] * scale] for v in t["value"]]),
            "node_sample_weight": np.array(t["cover"], dtype=float),
        })
    return {"trees": out, "base_offset": 0.0}


def one_run(args, export, x):
    explainer = shap.TreeExplainer(shap_model(export))
    rows = min(args.rows, len(x))
    explainer.shap_values(x[:2])  # warm-up
    per_row = []

    def time_shap():
        for _ in range(3):
            t0 = time.perf_counter()
            for i in range(rows):
                explainer.shap_values(x[i:i + 1])
            per_row.append((time.perf_counter() - t0) / rows * 1e6)

    # shap before and after Grove's own timing, so a change of load during the run hits both sides.
    time_shap()
    t0 = time.perf_counter()
    values = explainer.shap_values(x[:rows])
    batch = (time.perf_counter() - t0) / rows * 1e6
    bench = subprocess.run([args.grove, "bench", "--repo", args.repo, "--model", args.name, "--data", args.data,
                            "--inference-only", "--json"], check=True, capture_output=True, text=True)
    results = {r["name"]: r for r in json.loads(bench.stdout)["results"]}
    grove_us = results["explain one row"]["us_per_row"]
    time_shap()
    return statistics.median(per_row), batch, grove_us, results, values, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grove"); ap.add_argument("repo"); ap.add_argument("name"); ap.add_argument("data")
    ap.add_argument("--rows", type=int, default=200); ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([args.grove, "export", "--repo", args.repo, "--name", args.name, "--format", "json", "--out", f.name], check=True)
        export = json.load(open(f.name))
    x = encode(pd.read_csv(args.data, keep_default_na=True, na_values=["", "NA", "?"]), export["inputs"])
    nodes = sum(len(t["feature"]) for t in export["trees"])
    print(f"{args.name}@{export['version']}: {len(export['trees'])} trees, {nodes} nodes, {x.shape[1]} features; shap {shap.__version__}")
    # Same values? Grove's own explanations of the first rows, per encoded feature.
    check = min(50, len(x))
    with tempfile.NamedTemporaryFile(suffix=".csv", mode="w") as sub:
        pd.read_csv(args.data).head(check).to_csv(sub.name, index=False)
        out = subprocess.run([args.grove, "explain", "--repo", args.repo, "--name", args.name, "--data", sub.name, "--json", "--top", "0"],
                             check=True, capture_output=True, text=True).stdout.splitlines()
    grove_rows = [json.loads(line) for line in out]
    ratios = []
    for run in range(args.runs):
        shap_row, shap_batch, grove_us, results, values, rows = one_run(args, export, x)
        ratio = shap_row / grove_us
        ratios.append(ratio)
        print(f"run {run + 1}: shap TreeExplainer one row at a time {shap_row:9.1f} µs/row, batch of {rows} {shap_batch:9.1f} µs/row")
        kernel = results["explain one row"].get("kernel", "?")
        print(f"       grove one row, one thread        {grove_us:9.1f} µs/row  -> {ratio:.1f}x faster than shap (same run; {kernel} kernel)")
        b1, ball = results["explain batch 2k, 1 thread"], results["explain batch 2k, all cores"]
        print(f"       grove batch 1 thread {b1['us_per_row']:.1f} µs/row, all {ball['cores']} cores {ball['us_per_row']:.1f} µs/row ({ball['speedup']:.2f}x)")
    # Group shap's per-feature values onto input columns, as Grove reports them.
    groups, j = [], 0
    for c in export["inputs"]:
        n = 1 if c["kind"] == "numeric" else len(c["categories"])
        groups.append((c["name"], j, j + n)); j += n
    worst = 0.0
    for i, g in enumerate(grove_rows):
        for name, a, b in groups:
            worst = max(worst, abs(float(np.sum(values[i][a:b])) - g["contributions"][name]))
    base_gap = max(abs(float(np.sum(values[i])) + g["base_value"] - g["prediction"]) for i, g in enumerate(grove_rows))
    print(f"largest |grove - shap| per input column over {len(grove_rows)} rows: {worst:.2e}; grove additivity gap {base_gap:.2e}")
    print(f"speed ratio (median of {args.runs} runs): {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
