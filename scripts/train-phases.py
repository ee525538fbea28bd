#!/usr/bin/env python3
"""Where one `grove train` process spends its time, phase by phase.

Default (perf): samples the whole process with `perf record -g` (cpu-clock, F Hz) and files each
sample under the phase of the innermost frame that names one (CSV parse, SHA-256, preprocessing,
binning, trees, out-of-bag metrics, model encode/write); prints per phase the CPU milliseconds and
the span from its first to its last sample. CPU milliseconds hold up on a loaded machine; spans do not.

--callgrind: instead runs the process under valgrind's callgrind (on a copy with debug info stripped:
valgrind 3.19 cannot read DWARF 5) and prints the inclusive instruction count of each phase's
entry point: repeatable to the instruction, for before/after comparisons. (SHA-256 runs its
generic code under valgrind, which hides the CPU's SHA extensions: ignore that line there.)

Usage: scripts/train-phases.py GROVE DATA.csv [--target target] [--positive 1] [--trees 100]
       [--threads N] [--freq 4000] [--callgrind] [--buckets]
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

PHASES = [
    ("csv", r"CSVReader|CSVChunk|CSVTokenizer|CSVColumnBuilder|NumberParser"),
    ("sha256", r"sha256_block|6sha256y|SHA256"),
    ("preprocess", r"Preprocessing|encodeTargets|DataSplit"),
    ("binning", r"FeatureBinner"),
    ("trees", r"TreeBuilder|HistogramBuilder|DataPartition|BootstrapSampler|SplitScanner|OutOfBagAccumulator"),
    ("oob", r"outOfBag|Metrics|ReliabilityBin|rocAUC|ForestTrainer"),
    ("encode+write", r"ModelFileCodec|protobuf|RepositoryO7publish|publish"),
]

ENTRY_POINTS = [
    ("read + csv parse (+ its hash thread)", r"TrainingOptions[^ ]*8readData"),
    ("csv parse", r"CSVReader[^ ]*5parse6buffer7options"),
    ("preprocessing fit", r"Preprocessing[^ ]*3fit5table"),
    ("preprocessing encode", r"Preprocessing[^ ]*6encode5table4rows"),
    ("binning layout", r"FeatureBinner[^ ]*6layout_7maxBins"),
    ("binning encode", r"FeatureBinner[^ ]*6encode_6layout"),
    ("trees", r"TreeBuilderC5build9treeIndex"),
    ("out-of-bag metrics", r"ModelTrainer[^ ]*15outOfBagMetrics"),
    ("trees packed for the file (workers)", r"PackedTreesC4pack_2at"),
    ("publish (encode, seal, write)", r"RepositoryO7publish|RepositoryO11publishFile"),
    ("sha256 blocks", r"sha256_block_data_order"),
]


def train_cmd(a, binary, repo):
    return [binary, "train", "--data", a.data, "--target", a.target, "--positive", a.positive, "--repo", repo,
            "--name", "phases", "--trees", str(a.trees), "--threads", str(a.threads), "--test-fraction", "0"]


def perf_phases(a, work):
    data = os.path.join(work, "perf.data")
    subprocess.run(["perf", "record", "-F", str(a.freq), "-g", "-o", data, "--"] +
                   train_cmd(a, a.grove, os.path.join(work, "repo")),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run(["perf", "script", "-i", data, "-F", "tid,time,ip,sym"], capture_output=True,
                         text=True, check=True).stdout
    samples, cur = [], None
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+([\d.]+):\s*$", line)
        if m:
            if cur:
                samples.append(cur)
            cur = [float(m.group(2)), []]
        elif line.strip() and cur is not None:
            cur[1].append(line.strip())
    if cur:
        samples.append(cur)
    if not samples:
        sys.exit("perf recorded no samples")
    t0 = min(s[0] for s in samples)
    stats = collections.OrderedDict()
    buckets = collections.defaultdict(collections.Counter)
    for t, frames in samples:
        phase = "other (start, exit, page faults)"
        for fr in frames:
            hit = next((name for name, pat in PHASES if re.search(pat, fr)), None)
            if hit:
                phase = hit
                break
        s = stats.setdefault(phase, [0, 1e9, 0.0])
        s[0] += 1
        s[1] = min(s[1], t - t0)
        s[2] = max(s[2], t - t0)
        buckets[int((t - t0) / 0.025)][phase] += 1
    print(f"perf, {a.freq} Hz, {len(samples)} samples over {(max(s[0] for s in samples) - t0) * 1000:.0f} ms")
    print(f"{'phase':34} {'CPU ms':>8} {'first..last sample (ms)':>26}")
    for phase, (n, first, last) in sorted(stats.items(), key=lambda kv: kv[1][1]):
        print(f"{phase:34} {n / a.freq * 1000:8.1f} {first * 1000:12.1f} .. {last * 1000:9.1f}")
    if a.buckets:
        for k in sorted(buckets):
            print(f"{k * 25:6} ms  " + " ".join(f"{p}:{c}" for p, c in buckets[k].most_common()))


def callgrind_phases(a, work):
    copy = os.path.join(work, "grove")
    shutil.copy(a.grove, copy)
    subprocess.run(["strip", "--strip-debug", copy], check=True)
    out = os.path.join(work, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] +
                   train_cmd(a, copy, os.path.join(work, "repo")),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out], capture_output=True,
                          text=True, check=True).stdout
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), m.group(2)))
    total = max(r[0] for r in rows)
    print(f"callgrind, {a.trees} trees, {a.threads} thread(s): {total / 1e6:.1f} M instructions in all")
    for name, pat in ENTRY_POINTS:
        hits = [r[0] for r in rows if re.search(pat, r[1])]
        print(f"{name:40} {max(hits) / 1e6 if hits else 0:10.1f} M")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("grove")
    ap.add_argument("data")
    ap.add_argument("--target", default="target")
    ap.add_argument("--positive", default="1")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=None, help="default 2 (perf), 1 (callgrind: work on dispatch "
                    "worker threads would not count under the phase's entry point)")
    ap.add_argument("--freq", type=int, default=4000)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--buckets", action="store_true", help="perf: also print samples per phase per 25 ms")
    a = ap.parse_args()
    if a.threads is None:
        a.threads = 1 if a.callgrind else 2
    work = tempfile.mkdtemp(prefix="grove-train-phases-")
    try:
        (callgrind_phases if a.callgrind else perf_phases)(a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
