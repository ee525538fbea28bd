#!/usr/bin/env bash
# One prediction against the demo model with printf | nc, checking the answer.
# Usage: clients/nc/predict.sh [HOST] [PORT]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
host=${1:-127.0.0.1} port=${2:-7070}
# Request { id: 3, predict { model { name: "german_credit" }
#           records { fields { name: "age_in_years" number: 35 } fields { name: "housing" text: "own" } } } }
#   08 03                      id = 3
#   6a 3c                      field 13 (predict), 60 bytes
#     0a 0f 0a 0d "german_credit"            model { name }
#     1a 29                                  records, 41 bytes
#       0a 17 0a 0c "age_in_years" 11 <35.0 as a little-endian double>
#       0a 0e 0a 07 "housing" 1a 03 "own"
body=08036a3c0a0f0a0d6765726d616e5f6372656469741a290a170a0c6167655f696e5f79656172731100000000008041400a0e0a07686f7573696e671a036f776e
len=$(printf '%08x' $(( ${#body} / 2 )))
resp=$(grove_send "$host" "$port" "$len$body")
grove_check_frame "$resp"
grove_check_ok "$resp" 03
# The result is field 13 (6a): PredictResponse { model: "german_credit" (0a 0d ...), version (10 ..), rows: 1 (18 01), num_classes: 2 (20 02) ... }
name_hex=$(printf 'german_credit' | xxd -p | tr -d '\n')
case "$resp" in
    *"0a0d${name_hex}10"*"18012002"*) ;;
    *) echo "predict: answer lacks the model name, one row or two classes: $resp" >&2; exit 1 ;;
esac
echo "predict: OK ($resp)"
