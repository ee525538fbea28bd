#!/usr/bin/env python3
"""Training benchmark: Grove against scikit-learn and ranger, interleaved in one run.

For each size N (rows in the file; 80 % train): synthetic credit-like data from
../shared/peers/training/make_synthetic.py, one 80/20 split (rows shuffled with seed 42) written
as raw CSV. Grove trains on the raw train CSV (its own mean fill and one-hot); scikit-learn and
ranger on the peers' preprocessing of the same rows (mean fill + pandas.get_dummies). All three:
100 trees, 2 threads, each fit in its own process under /usr/bin/time -v (peak RSS of the whole
process), scored on the same held-out rows (ROC AUC). Every size runs `--repeats` rounds (default
2), each round Grove then scikit-learn back to back (ranger after them in the first round only:
its peak and AUC); the figures are medians over the rounds.

The target of issue 16: the whole `grove train` process (CSV parse, preprocessing, binning,
100 trees, out-of-bag metrics, publishing the model file) at least 20x faster than
scikit-learn's fit alone (`RandomForestClassifier.fit`, data already in memory), at every size
from 50k to 1M rows, with the same held-out AUC +- 0.005 and a peak memory below both
scikit-learn's and ranger's. `speed-up` is that ratio; the JSON lines also hold Grove's in-process
training time, ranger's fit time and every raw figure.

Usage: scripts/bench_training.py GROVE_BINARY [--sizes 50000,100000,300000] [--repeats 2]
       [--out DIR] [--no-ranger]
Needs: python3 with numpy, pandas, scikit-learn; Rscript with ranger (r-cran-ranger) unless
--no-ranger.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers", "training"))

# Fits scikit-learn (timing fit() only) and, when argv[4] is given, writes the preprocessed
# train/test matrices there for ranger (column-major float64, int32 labels).
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
if len(sys.argv) > 4:
    for name, rows in (("train", slice(0, n)), ("test", slice(n, len(y)))):
        x = np.asfortranarray(X.iloc[rows].to_numpy(np.float64))
        with open(f"{sys.argv[4]}.{name}.json", "w") as f:
            json.dump({"n": x.shape[0], "p": x.shape[1]}, f)
        x.ravel(order="F").tofile(f"{sys.argv[4]}.{name}.X.f64")
        y[rows].astype(np.int32).tofile(f"{sys.argv[4]}.{name}.y.i32")
t, c = time.perf_counter(), time.process_time()
m = RandomForestClassifier(n_estimators=100, max_features="sqrt", random_state=42, n_jobs=2).fit(X.iloc[:n], y[:n])
fit, fit_cpu = time.perf_counter() - t, time.process_time() - c
auc = roc_auc_score(y[n:], m.predict_proba(X.iloc[n:])[:, 1])
print(json.dumps({"fit_s": fit, "fit_cpu_s": fit_cpu, "auc": auc}))
'''

# ranger as the peers run it (scale_fit_ranger.R): num.trees=100, probability=TRUE, seed=42,
# oob.error=FALSE, 2 threads, other settings default; prints fit seconds, writes test scores.
RANGER_FIT = r'''
suppressPackageStartupMessages(library(ranger))
a <- commandArgs(trailingOnly = TRUE)
load <- function(prefix) {
  meta <- readLines(paste0(prefix, ".json"))
  n <- as.integer(sub('.*"n": *([0-9]+).*', "\\1", meta))
  p <- as.integer(sub('.*"p": *([0-9]+).*', "\\1", meta))
  con <- file(paste0(prefix, ".X.f64"), "rb")
  x <- matrix(readBin(con, "double", n = n * p, size = 8, endian = "little"), nrow = n, ncol = p)
  close(con)
  colnames(x) <- paste0("f", seq_len(p) - 1)
  con <- file(paste0(prefix, ".y.i32"), "rb")
  y <- readBin(con, "integer", n = n, size = 4, endian = "little")
  close(con)
  list(x = x, y = y)
}
tr <- load(paste0(a[[1]], ".train")); te <- load(paste0(a[[1]], ".test"))
t0 <- Sys.time()
rf <- ranger(x = tr$x, y = factor(tr$y, levels = c(0, 1)), num.trees = 100, probability = TRUE,
             num.threads = 2, seed = 42, oob.error = FALSE, verbose = FALSE)
fit <- as.numeric(Sys.time() - t0, units = "secs")
p <- predict(rf, data = te$x, num.threads = 2)$predictions[, "1"]
writeBin(as.double(p), paste0(a[[1]], ".ranger.f64"), size = 8, endian = "little")
cat(sprintf('{"fit_s": %.6f}\n', fit))
'''


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (stdout, wall seconds, peak RSS MiB, CPU seconds)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", p.stderr).group(1)) for k in ("User", "System"))
    return p.stdout, wall, rss, cpu


def auc(scores, labels):
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(labels, scores))


def prepare(n, out):
    """The raw CSV of N rows and its 80/20 split (cached in `out`)."""
    import numpy as np
    import pandas as pd
    raw = os.path.join(out, f"synthetic_{n}.csv")
    if not os.path.exists(raw):
        subprocess.run([sys.executable, os.path.join(PEERS, "make_synthetic.py"), str(n), raw], check=True,
                       stdout=subprocess.DEVNULL)
    tr, te = os.path.join(out, f"synthetic_{n}.train.csv"), os.path.join(out, f"synthetic_{n}.test.csv")
    if not os.path.exists(te):
        df = pd.read_csv(raw)
        idx = np.random.default_rng(42).permutation(len(df))
        cut = int(len(df) * 0.8)
        df.iloc[idx[:cut]].to_csv(tr, index=False)
        df.iloc[idx[cut:]].to_csv(te, index=False)
    return tr, te


def one_round(grove, n, tr, te, work, ranger):
    """Grove, scikit-learn and ranger back to back on the same split: one dict of figures."""
    import numpy as np
    repo = tempfile.mkdtemp(prefix="grove-train-bench-", dir=work)
    out, g_wall, g_rss, g_cpu = timed([grove, "train", "--data", tr, "--target", "target", "--positive", "1",
                                "--repo", repo, "--name", "synthetic", "--trees", "100", "--threads", "2",
                                "--test-fraction", "0", "--json"])
    g_fit = json.loads(out)["seconds"]
    # Scores through `grove predict` (evaluate would add SHAP importances: not this benchmark).
    import pandas as pd
    scores = os.path.join(work, "grove_scores.csv")
    subprocess.run([grove, "predict", "--repo", repo, "--name", "synthetic", "--data", te, "--out", scores],
                   check=True, stdout=subprocess.DEVNULL)
    g_auc = auc(pd.read_csv(scores)["p_1"], pd.read_csv(te, usecols=["target"])["target"] == 1)
    shutil.rmtree(repo, ignore_errors=True)
    prefix = os.path.join(work, f"m{n}")
    out, s_wall, s_rss, _ = timed([sys.executable, "-c", SKLEARN_FIT, PEERS, tr, te] + ([prefix] if ranger else []))
    s = json.loads(out)
    row = {"rows": n, "grove_process_s": g_wall, "grove_process_cpu_s": g_cpu, "grove_train_s": g_fit,
           "grove_peak_mib": g_rss,
           "grove_auc": g_auc, "sklearn_process_s": s_wall, "sklearn_fit_s": s["fit_s"],
           "sklearn_fit_cpu_s": s["fit_cpu_s"],
           "sklearn_peak_mib": s_rss, "sklearn_auc": s["auc"]}
    if ranger:
        script = os.path.join(work, "ranger_fit.R")
        with open(script, "w") as f:
            f.write(RANGER_FIT)
        out, r_wall, r_rss, _ = timed(["Rscript", script, prefix])
        labels = np.fromfile(prefix + ".test.y.i32", dtype=np.int32)
        scores = np.fromfile(prefix + ".ranger.f64", dtype=np.float64)
        row.update({"ranger_process_s": r_wall, "ranger_fit_s": json.loads(out)["fit_s"], "ranger_peak_mib": r_rss,
                    "ranger_auc": auc(scores, labels)})
        for suffix in (".train.X.f64", ".train.y.i32", ".test.X.f64", ".test.y.i32", ".ranger.f64"):
            os.remove(prefix + suffix)
    row["speedup"] = row["sklearn_fit_s"] / row["grove_process_s"]
    # Diagnostic for loaded machines: CPU seconds (scikit-learn's fit vs Grove's whole process).
    row["cpu_ratio"] = row["sklearn_fit_cpu_s"] / row["grove_process_cpu_s"]
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grove")
    ap.add_argument("--sizes", default="50000,100000,300000")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-data"))
    ap.add_argument("--no-ranger", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ranger = not a.no_ranger
    if ranger and shutil.which("Rscript") is None:
        sys.exit("Rscript not found (apt-get install r-base-core r-cran-ranger), or pass --no-ranger")
    work = tempfile.mkdtemp(prefix="grove-train-bench-")
    results = []
    for n in [int(s) for s in a.sizes.split(",")]:
        tr, te = prepare(n, a.out)
        rounds = []
        for r in range(a.repeats):
            # ranger in the first round only (its peak and AUC; its time is not a target).
            row = one_round(a.grove, n, tr, te, work, ranger and r == 0)
            row["round"] = r + 1
            print(json.dumps(row), flush=True)
            rounds.append(row)
        med = {k: statistics.median(x[k] for x in rounds if k in x) for k in rounds[0] if k not in ("rows", "round")}
        med["rows"] = n
        med["speedups"] = [x["speedup"] for x in rounds]
        results.append(med)
    shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"medians of {a.repeats} rounds; speed-up = scikit-learn fit / whole grove train process (wall, same round);"
          f" CPU ratio = their CPU seconds (a check on a loaded machine)")
    head = (f"{'rows (80% train)':>16} {'grove s':>8} {'sklearn fit s':>13} {'speed-up':>9} {'rounds':>13}"
            f" {'grove MiB':>9} {'sklearn MiB':>11}")
    if ranger:
        head += f" {'ranger MiB':>10} {'ranger fit s':>12}"
    head += f" {'grove AUC':>9} {'sklearn AUC':>11}" + (f" {'ranger AUC':>10}" if ranger else "") + f" {'CPU ratio':>9}"
    print(head)
    met = True
    for r in results:
        line = (f"{r['rows']:>16} {r['grove_process_s']:>8.2f} {r['sklearn_fit_s']:>13.2f} {r['speedup']:>8.1f}x "
                f"{'/'.join(f'{x:.1f}' for x in r['speedups']):>13} {r['grove_peak_mib']:>9.0f} {r['sklearn_peak_mib']:>11.0f}")
        if ranger:
            line += f" {r['ranger_peak_mib']:>10.0f} {r['ranger_fit_s']:>12.2f}"
        line += f" {r['grove_auc']:>9.4f} {r['sklearn_auc']:>11.4f}" + (f" {r['ranger_auc']:>10.4f}" if ranger else "")
        line += f" {r['cpu_ratio']:>8.1f}x"
        print(line)
        peaks = [r["sklearn_peak_mib"]] + ([r["ranger_peak_mib"]] if ranger else [])
        met = met and r["speedup"] >= 20 and abs(r["grove_auc"] - r["sklearn_auc"]) <= 0.005 \
            and r["grove_peak_mib"] < min(peaks)
    print(f"target (>= 20x at every size, AUC within 0.005 of scikit-learn, peak below "
          f"{'scikit-learn and ranger' if ranger else 'scikit-learn'}): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
