#!/usr/bin/env bash
# Lists models with printf | nc: sends {id: 2, list_models: {}}, checks the answer,
# and prints the model names found in it.
# Usage: clients/nc/list-models.sh [HOST] [PORT] [EXPECTED_MODEL]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
host=${1:-127.0.0.1} port=${2:-7070} expect=${3:-}
# 08 02 = id 2; 5a 00 = field 11 (list_models), empty.
resp=$(grove_send "$host" "$port" 0000000408025a00)
grove_check_frame "$resp"
grove_check_ok "$resp" 02
if [ -n "$expect" ]; then
    name_hex=$(printf '%s' "$expect" | xxd -p | tr -d '\n')
    # ModelSummary.name is field 1: 0a LEN NAME
    len=$(printf '%02x' ${#expect})
    case "$resp" in *"0a${len}${name_hex}"*) ;; *) echo "list-models: '$expect' not listed: $resp" >&2; exit 1;; esac
fi
echo "list-models: OK ($resp)"
