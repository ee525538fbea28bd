#!/usr/bin/env python3
"""Training benchmark: Grove vs scikit-learn RandomForestClassifier, side by side, in one run.

For each size N: synthetic credit-like data from ../shared/peers/training/make_synthetic.py,
one 80/20 split (rows shuffled with seed 42) written as raw CSV. Grove trains on the raw train
CSV (its own mean fill and one-hot), scikit-learn on the peers' preprocessing of the same rows
(mean fill + pandas.get_dummies). Both: 100 trees, 2 threads, each fit in its own process under
/usr/bin/time -v (wall time of the whole process, peak RSS). Both are scored on the same
held-out rows (ROC AUC). Prints a table and one JSON line per size.

Usage: scripts/bench_training.py GROVE_BINARY [--sizes 100000,300000] [--out DIR]
Needs: python3 with numpy, pandas, scikit-learn (pip install scikit-learn pandas).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers", "training"))

SKLEARN_FIT = r'''
import json, sys, time, numpy as np, pandas as pd
sys.path.insert(0, sys.argv[1])
from common import preprocess
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
tr, te = pd.read_csv(sys.argv[2]), pd.read_csv(sys.argv[3])
both = pd.concat([tr, te], ignore_index=True)
X, y = preprocess(both, "target", 1, ["region", "segment"])
n = len(tr)
t = time.perf_counter()
m = RandomForestClassifier(n_estimators=100, max_features="sqrt", random_state=42, n_jobs=2).fit(X.iloc[:n], y[:n])
fit = time.perf_counter() - t
auc = roc_auc_score(y[n:], m.predict_proba(X.iloc[n:])[:, 1])
print(json.dumps({"fit_s": fit, "auc": auc}))
'''


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (stdout, wall seconds, peak RSS MiB)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return p.stdout, wall, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grove")
    ap.add_argument("--sizes", default="100000,300000")
    ap.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-data"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    import numpy as np
    import pandas as pd
    rows = []
    for n in [int(s) for s in a.sizes.split(",")]:
        raw = os.path.join(a.out, f"synthetic_{n}.csv")
        if not os.path.exists(raw):
            subprocess.run([sys.executable, os.path.join(PEERS, "make_synthetic.py"), str(n), raw], check=True,
                           stdout=subprocess.DEVNULL)
        tr_path, te_path = os.path.join(a.out, f"synthetic_{n}.train.csv"), os.path.join(a.out, f"synthetic_{n}.test.csv")
        if not os.path.exists(te_path):
            df = pd.read_csv(raw)
            idx = np.random.default_rng(42).permutation(len(df))
            cut = int(len(df) * 0.8)
            df.iloc[idx[:cut]].to_csv(tr_path, index=False)
            df.iloc[idx[cut:]].to_csv(te_path, index=False)
        repo = tempfile.mkdtemp(prefix="grove-train-bench-")
        out, g_wall, g_rss = timed([a.grove, "train", "--data", tr_path, "--target", "target", "--positive", "1",
                                    "--repo", repo, "--name", "synthetic", "--trees", "100", "--threads", "2",
                                    "--test-fraction", "0", "--json"])
        g_fit = json.loads(out)["seconds"]
        ev = json.loads(subprocess.run([a.grove, "evaluate", "--repo", repo, "--name", "synthetic", "--data", te_path,
                                        "--json"], capture_output=True, text=True, check=True).stdout)
        out, s_wall, s_rss = timed([sys.executable, "-c", SKLEARN_FIT, PEERS, tr_path, te_path])
        s = json.loads(out)
        row = {"rows": n, "grove_process_s": g_wall, "grove_train_s": g_fit, "grove_peak_mib": g_rss, "grove_auc": ev["auc"],
               "sklearn_process_s": s_wall, "sklearn_fit_s": s["fit_s"], "sklearn_peak_mib": s_rss, "sklearn_auc": s["auc"],
               "speedup_fit": s["fit_s"] / g_fit, "speedup_process": s_wall / g_wall}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(f"{'rows (80% train)':>18} {'grove fit s':>11} {'sklearn fit s':>13} {'speed-up':>9} {'grove MiB':>9} "
          f"{'sklearn MiB':>11} {'grove AUC':>9} {'sklearn AUC':>11}")
    for r in rows:
        print(f"{r['rows']:>18} {r['grove_train_s']:>11.2f} {r['sklearn_fit_s']:>13.2f} {r['speedup_fit']:>8.1f}x "
              f"{r['grove_peak_mib']:>9.0f} {r['sklearn_peak_mib']:>11.0f} {r['grove_auc']:>9.4f} {r['sklearn_auc']:>11.4f}")
    print("(grove fit s: training incl. preprocessing, CSV excluded; whole-process times are in the JSON lines)")


if __name__ == "__main__":
    main()
