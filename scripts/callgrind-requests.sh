#!/usr/bin/env bash
# Instructions per request of the whole server (repeatable, unlike timings), by kind of request:
# `grove serve --threads 1 --poll-interval 0` under callgrind answers N and 3N pipelined requests of
# one kind (Grove's own frames from `grove bench --write-frames`: one dense row, one raw record);
# per request = (instructions at 3N - instructions at N) / 2N, which removes start-up and shutdown.
# With TOP=k, also prints the k functions with the most instructions (inclusive) at 3N.
# Usage: scripts/callgrind-requests.sh GROVE REPO MODEL DATA   (GROVE without debug info: valgrind
# 3.19 cannot read the toolchain's DWARF 5; `make bench` strips a copy into .build/grove-nodebug)
set -euo pipefail
grove=$1 repo=$2 model=$3 data=$4 n=${CALLGRIND_N:-2000}
command -v valgrind >/dev/null || { echo "callgrind-requests: valgrind not installed"; exit 0; }
tmp=$(mktemp -d); trap '[ -n "${KEEP:-}" ] && cp "$tmp"/*.out "$KEEP"/; rm -rf "$tmp"' EXIT
# FRAMES=DIR: frames written earlier (to measure a build without --write-frames on the same requests).
frames=${FRAMES:-$tmp/frames}
[ -n "${FRAMES:-}" ] || "$grove" bench --repo "$repo" --model "$model" --data "$data" --write-frames "$frames" >/dev/null

declare -A per
for kind in ${KINDS:-dense-1row record-1row}; do
    for k in 1 3; do
        python3 - "$frames/$kind.pb" $((n * k)) "$tmp/many.bin" <<'EOF'
import struct, sys
body = open(sys.argv[1], "rb").read()
open(sys.argv[3], "wb").write((struct.pack(">I", len(body)) + body) * int(sys.argv[2]))
EOF
        port=$((20000 + RANDOM % 20000))
        # GROVE_EXPLAIN_HELPER=off: the explanation helper's spinning would be counted as instructions.
        GROVE_EXPLAIN_HELPER=off valgrind --tool=callgrind --callgrind-out-file="$tmp/$kind-$k.out" "$grove" serve --repo "$repo" --port "$port" \
            --threads 1 --poll-interval 0 --frame-timeout 600 --log-level error >/dev/null 2>"$tmp/$kind-$k.log" &
        pid=$!
        for _ in $(seq 1 600); do nc -z 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.2; done
        nc -N 127.0.0.1 "$port" < "$tmp/many.bin" > "$tmp/answers.bin"
        kill -TERM $pid; wait $pid || true
        answered=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(); i = n = 0
while i + 4 <= len(b): i += 4 + struct.unpack(">I", b[i:i + 4])[0]; n += 1
print(n)' "$tmp/answers.bin")
        [ "$answered" = $((n * k)) ] || { echo "callgrind-requests: $kind: $answered answers to $((n * k)) requests" >&2; cat "$tmp/$kind-$k.log" >&2; exit 1; }
        ir[$k]=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$tmp/$kind-$k.out")
    done
    per[$kind]=$(( (ir[3] - ir[1]) / (2 * n) ))
    echo "$kind: ${per[$kind]} instructions per request (${ir[1]} at $n requests, ${ir[3]} at $((3 * n)))"
    if [ -n "${TOP:-}" ]; then
        callgrind_annotate --inclusive=yes "$tmp/$kind-3.out" 2>/dev/null | sed -n '/^-* *$/,$p' | grep -v '^-' | sed -n "1,$((TOP + 4))p"
    fi
done
[ -n "${per[record-1row]:-}" ] && [ -n "${per[dense-1row]:-}" ] && awk -v r="${per[record-1row]}" -v d="${per[dense-1row]}" 'BEGIN { printf "raw record / dense: %.2fx instructions per request\n", r / d }'
