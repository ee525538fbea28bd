#!/usr/bin/env bash
# A local Grove cluster: N replicas on one shared model repository behind HAProxy, all on loopback.
#
#   scripts/cluster.sh [up]       start everything (training the demo model on first use); Ctrl-C stops all
#   scripts/cluster.sh config     print the HAProxy configuration the cluster uses
#   scripts/cluster.sh replica I  run replica I (1...N) in the foreground (exec: its pid is grove's)
#
# Environment: REPLICAS (3), PORT (7070: HAProxy; replica I on PORT+I, its metrics on PORT+100+I),
# REPO (run/cluster/repo), GROVE (.build/release/grove), RUN_DIR (run/cluster), DRAIN_SECONDS (2),
# POLL_INTERVAL (1). The HAProxy configuration is deploy/haproxy/haproxy.cfg with its `server`
# lines replaced by one per replica and a stats socket added.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
REPLICAS=${REPLICAS:-3}
PORT=${PORT:-7070}
RUN_DIR=${RUN_DIR:-$root/run/cluster}
REPO=${REPO:-$RUN_DIR/repo}
GROVE=${GROVE:-$root/.build/release/grove}
DRAIN_SECONDS=${DRAIN_SECONDS:-2}
POLL_INTERVAL=${POLL_INTERVAL:-1}
HAPROXY=${HAPROXY:-haproxy}

config() {
    # The deploy file minus its example servers, plus this cluster's replicas.
    sed -e '/^    server grove[0-9]/d' -e '/scripts\/cluster.sh writes its own list/d' "$root/deploy/haproxy/haproxy.cfg" |
        sed -e "s|^global\$|global\n    stats socket $RUN_DIR/haproxy.sock mode 600 level admin|"
    for i in $(seq 1 "$REPLICAS"); do
        echo "    server grove$i 127.0.0.1:$((PORT + i)) check"
    done
}

replica() {
    local i=$1
    exec "$GROVE" serve --repo "$REPO" --host 127.0.0.1 --port $((PORT + i)) \
        --metrics 127.0.0.1:$((PORT + 100 + i)) --drain-seconds "$DRAIN_SECONDS" \
        --poll-interval "$POLL_INTERVAL" --threads 1 --log-level notice
}

up() {
    command -v "$HAPROXY" >/dev/null || { echo "cluster: haproxy not found (apt-get install haproxy)" >&2; exit 3; }
    [ -x "$GROVE" ] || { echo "cluster: $GROVE not built (make release)" >&2; exit 3; }
    mkdir -p "$RUN_DIR"
    if [ ! -d "$REPO/german_credit" ]; then
        echo "cluster: training the demo model into $REPO"
        "$GROVE" train --data "$root/data/german_credit.csv" --target creditability --positive bad \
            --repo "$REPO" --name german_credit >/dev/null
    fi
    pids=()
    trap 'echo; echo "cluster: stopping"; kill -TERM "${pids[@]}" 2>/dev/null; wait; exit 0' INT TERM
    for i in $(seq 1 "$REPLICAS"); do
        "$0" replica "$i" >"$RUN_DIR/replica$i.log" 2>&1 &
        pids+=($!)
    done
    config >"$RUN_DIR/haproxy.cfg"
    GROVE_FRONTEND_ADDR=127.0.0.1:$PORT "$HAPROXY" -db -f "$RUN_DIR/haproxy.cfg" >"$RUN_DIR/haproxy.log" 2>&1 &
    pids+=($!)
    echo "cluster: $REPLICAS replicas on 127.0.0.1:$((PORT + 1))-$((PORT + REPLICAS)) (metrics on :$((PORT + 101))-:$((PORT + 100 + REPLICAS))),"
    echo "cluster: HAProxy on 127.0.0.1:$PORT; logs in $RUN_DIR; repository $REPO. Ctrl-C stops everything."
    echo "cluster: try  $GROVE call 127.0.0.1:$PORT predict --model german_credit --record '{\"age_in_years\": 35}'"
    wait
}

case "${1:-up}" in
    up) up ;;
    config) config ;;
    replica) replica "${2:?replica number}" ;;
    *) echo "usage: $0 [up|config|replica I]" >&2; exit 2 ;;
esac
