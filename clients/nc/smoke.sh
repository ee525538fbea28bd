#!/usr/bin/env bash
# Netcat smoke test: starts `grove serve` on a free port with a model
# repository, runs the kit's checks against it with nc, and stops it with
# SIGTERM (which must exit 0).
# Usage: clients/nc/smoke.sh GROVE_BINARY REPO [EXPECTED_MODEL]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
grove=$1 repo=$2 expect=${3:-}
out=$(mktemp)
"$grove" serve --repo "$repo" --port 0 --threads 2 >"$out" 2>"$out.err" &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -f "$out" "$out.err"' EXIT
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "smoke: server did not start"; cat "$out.err"; exit 1; }
echo "smoke: server pid $pid on port $port"
passed=0
"$here/health.sh" 127.0.0.1 "$port"; passed=$((passed + 1))
"$here/list-models.sh" 127.0.0.1 "$port" $expect; passed=$((passed + 1))
if [ -n "$expect" ]; then "$here/predict.sh" 127.0.0.1 "$port"; passed=$((passed + 1)); fi
if [ -n "$expect" ]; then "$here/explain.sh" 127.0.0.1 "$port"; passed=$((passed + 1)); fi
# A malformed frame (length 0) gets an error frame and the server keeps serving.
resp=$(printf '\x00\x00\x00\x00' | nc -N -w 5 127.0.0.1 "$port" | xxd -p | tr -d '\n')
# Response {status {code: INVALID_ARGUMENT (3) ...}}: 12 LEN 08 03 ...
if echo "$resp" | grep -Eq '^[0-9a-f]{8}12[0-9a-f]{2}0803'; then echo "smoke: zero-length frame answered INVALID_ARGUMENT"
else echo "smoke: bad answer to zero-length frame: $resp"; exit 1; fi
passed=$((passed + 1))
"$here/health.sh" 127.0.0.1 "$port" >/dev/null; passed=$((passed + 1))
kill -TERM $pid
status=0; wait $pid || status=$?
[ $status -eq 0 ] || { echo "smoke: server exited $status after SIGTERM"; cat "$out.err"; exit 1; }
passed=$((passed + 1))
echo "smoke: $passed passed, 0 failed"
