#!/usr/bin/env bash
# Counts heap allocations per prediction with valgrind (repeatable, unlike timings):
#  1. in-process: CompiledForest.predict(row:into:), then ForestExplainer.explain(row:...), called N and 3N times,
#     and CompiledForest.predict(rows:...) on a 10,000-row batch (one thread), called B and 3B times;
#  2. the whole server: `grove serve` answering N and 3N one-row requests, pipelined and sequential:
#     predictions (dense, raw record), a dense prediction with 4 inline reasons, and an Explain call.
# Per-call allocations = (allocs at 3N - allocs at N) / 2N. Usage: scripts/alloc-check.sh GROVE REPO MODEL [DATA]
set -euo pipefail
grove=$1 repo=$2 model=$3 data=${4:-data/german_credit.csv} n=${ALLOC_N:-2000}
command -v valgrind >/dev/null || { echo "alloc-check: valgrind not installed"; exit 0; }
allocs() { sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$1" | tr -d ,; }
# Two decimals: integer division would print 0 for a few allocations per hundred calls.
per() { awk -v a="$1" -v b="$2" -v n="${3:-$n}" 'BEGIN { printf "%.2f", (b - a) / (2 * n) }'; }
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

# The whole server, on Grove's own frames (one dense row, one raw record), two ways: pipelined (all
# requests sent at once; many per read) and sequential (one round trip at a time: one request per
# read, as a latency-bound client sends them; pipelining hides a cost paid per read).
"$grove" bench --repo "$repo" --model "$model" --data "$data" --write-frames "$tmp/frames" >/dev/null
for kind in dense-1row record-1row reasons-1row explain-1row; do
    # An explanation costs about 25 predictions under valgrind: fewer requests keep the run short.
    count=$n
    case $kind in reasons-1row|explain-1row) count=${ALLOC_EXPLAIN_N:-500} ;; esac
    for mode in pipelined sequential; do
        for k in 1 3; do
            port=$((20000 + RANDOM % 20000))
            # --frame-timeout: under valgrind a partly read frame may wait long behind the ones before it.
            valgrind --tool=memcheck --log-file="$tmp/server-$k" "$grove" serve --repo "$repo" --port "$port" --threads 1 \
                --poll-interval 0 --frame-timeout 600 --log-level error >/dev/null 2>&1 &
            pid=$!
            for _ in $(seq 1 300); do nc -z 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.2; done
            python3 - "$tmp/frames/$kind.pb" $((count * k)) "$port" "$mode" > "$tmp/answer.bin" <<'PY'
import socket, struct, sys
body = open(sys.argv[1], "rb").read()
count, port, mode = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
frame = struct.pack(">I", len(body)) + body
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = s.makefile("rb")
first = []
def answer():  # every answer must be the first one (the same request gets the same answer)
    (length,) = struct.unpack(">I", f.read(4))
    body = f.read(length)
    first.append(body) if not first else None
    if body != first[0]: sys.exit("alloc-check: the answers differ")
if mode == "pipelined":
    s.sendall(frame * count)
    for _ in range(count): answer()
else:
    for _ in range(count):
        s.sendall(frame)
        answer()
sys.stdout.buffer.write(struct.pack(">I", len(first[0])) + first[0])
PY
            kill -TERM $pid; wait $pid || true
            "$grove" decode < "$tmp/answer.bin" | grep -q "status=OK" || { echo "alloc-check: $kind was not answered OK" >&2; exit 1; }
            eval "a$k=\$(allocs \"\$tmp/server-$k\")"
        done
        case $kind in
            reasons-1row) what="dense predict with 4 inline reasons" ;;
            explain-1row) what="dense explain (top 4)" ;;
            *) what="${kind%-1row} predict" ;;
        esac
        echo "whole server, one-row $what, $mode: $(per "$a1" "$a3" "$count") allocations per request ($a1 allocs at $count requests, $a3 at $((3 * count)))"
    done
done
