#!/usr/bin/env bash
# Health check with printf | nc: sends {id: 1, health: {}} and checks the answer.
# Usage: clients/nc/health.sh [HOST] [PORT]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
host=${1:-127.0.0.1} port=${2:-7070}
# 00000004 = 4 bytes follow; 08 01 = id 1; 52 00 = field 10 (health), empty.
resp=$(grove_send "$host" "$port" 0000000408015200)
grove_check_frame "$resp"
grove_check_ok "$resp" 01
body=${resp:8}
# After id and status: 52 LEN (health) 08 01 = status SERVING.
[ "${body:8:2}" = "52" ] && [ "${body:12:4}" = "0801" ] || { echo "health: not SERVING: $body" >&2; exit 1; }
echo "health: OK, SERVING ($resp)"
