#!/usr/bin/env bash
# Counts heap allocations per prediction with valgrind (repeatable, unlike timings):
#  1. in-process: CompiledForest.predict(row:into:), then ForestExplainer.explain(row:...), called N and 3N times,
#     and CompiledForest.predict(rows:...) on a 10,000-row batch (one thread), called B and 3B times;
#  2. the whole server: `grove serve` answering N and 3N pipelined one-row dense predictions.
# Per-call allocations = (allocs at 3N - allocs at N) / 2N. Usage: scripts/alloc-check.sh GROVE REPO MODEL
set -euo pipefail
grove=$1 repo=$2 model=$3 n=${ALLOC_N:-2000}
command -v valgrind >/dev/null || { echo "alloc-check: valgrind not installed"; exit 0; }
allocs() { sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$1" | tr -d ,; }
# Two decimals: integer division would print 0 for a few allocations per hundred calls.
per() { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / (2 * n) }'; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for k in 1 3; do
    valgrind --tool=memcheck --log-file="$tmp/inproc-$k" "$grove" bench --repo "$repo" --model "$model" --alloc-probe $((n * k)) >/dev/null
done
a1=$(allocs "$tmp/inproc-1"); a3=$(allocs "$tmp/inproc-3")
echo "in-process predict(row:into:): $(per "$a1" "$a3") allocations per call ($a1 allocs at $n calls, $a3 at $((3 * n)))"

b=${ALLOC_BATCHES:-2}
for k in 1 3; do
    valgrind --tool=memcheck --log-file="$tmp/batch-$k" "$grove" bench --repo "$repo" --model "$model" --batch-probe $((b * k)) >/dev/null
done
b1=$(allocs "$tmp/batch-1"); b3=$(allocs "$tmp/batch-3")
awk -v a="$b1" -v c="$b3" -v b="$b" 'BEGIN { printf "in-process predict(rows:...), 10,000-row batches: %.2f allocations per batch, %.6f per row (%d allocs at %d batches, %d at %d)\n", (c - a) / (2 * b), (c - a) / (2 * b * 10000), a, b, c, 3 * b }'

for k in 1 3; do
    valgrind --tool=memcheck --log-file="$tmp/explain-$k" "$grove" bench --repo "$repo" --model "$model" --explain-probe $((n * k)) >/dev/null
done
e1=$(allocs "$tmp/explain-1"); e3=$(allocs "$tmp/explain-3")
echo "in-process ForestExplainer.explain(row:output:scratch:into:): $(per "$e1" "$e3") allocations per call ($e1 allocs at $n calls, $e3 at $((3 * n)))"

for k in 1 3; do
    port=$((20000 + RANDOM % 20000))
    valgrind --tool=memcheck --log-file="$tmp/server-$k" "$grove" serve --repo "$repo" --port "$port" --threads 1 --log-level error >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do nc -z 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.2; done
    count=$(( "$("$grove" call 127.0.0.1:$port info --model "$model" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["model_info"]["feature_names"]))')" ))
    row=$(python3 -c "print(','.join(['0.5']*$count))")
    "$grove" frame predict --model "$model" --features "$row" > "$tmp/one.bin"
    : > "$tmp/many.bin"
    for _ in $(seq 1 $((n * k))); do cat "$tmp/one.bin"; done > "$tmp/many.bin"
    nc -N 127.0.0.1 "$port" < "$tmp/many.bin" > "$tmp/answers.bin"
    kill -TERM $pid; wait $pid || true
    echo "  server run $k: $(( $(stat -c %s "$tmp/answers.bin") )) bytes answered" >&2
done
s1=$(allocs "$tmp/server-1"); s3=$(allocs "$tmp/server-3")
echo "whole server, one-row dense predict: $(per "$s1" "$s3") allocations per request ($s1 allocs at $n requests, $s3 at $((3 * n)))"
