#!/usr/bin/env bash
# One explanation (reason codes) from the demo model with printf | nc, checking the answer.
# Usage: clients/nc/explain.sh [HOST] [PORT]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
host=${1:-127.0.0.1} port=${2:-7070}
# Request { id: 4, explain { model { name: "german_credit" }
#           records { fields { name: "age_in_years" number: 35 } fields { name: "housing" text: "own" } }
#           top_k: 2 } }
#   08 04                      id = 4
#   7a 3e                      field 15 (explain), 62 bytes
#     0a 0f 0a 0d "german_credit"            model { name }
#     1a 29                                  records, 41 bytes (as in predict.sh)
#       0a 17 0a 0c "age_in_years" 11 <35.0 as a little-endian double>
#       0a 0e 0a 07 "housing" 1a 03 "own"
#     20 02                                  top_k = 2
body=08047a3e0a0f0a0d6765726d616e5f6372656469741a290a170a0c6167655f696e5f79656172731100000000008041400a0e0a07686f7573696e671a036f776e2002
len=$(printf '%08x' $(( ${#body} / 2 )))
resp=$(grove_send "$host" "$port" "$len$body")
grove_check_frame "$resp"
grove_check_ok "$resp" 04
# The result is field 15 (7a): ExplainResponse { model (0a 0d "german_credit"), version (10 ..),
# explained_class: "bad" (1a 03 626164), scale: "probability" (22 0b ...), rows (3a ..) { prediction (09 ..),
# base_value (11 ..), reasons (2a ..) { column (0a ..) ... } } }
name_hex=$(printf 'german_credit' | xxd -p | tr -d '\n')
scale_hex=$(printf 'probability' | xxd -p | tr -d '\n')
case "$resp" in
    *"0a0d${name_hex}10"*"1a03626164220b${scale_hex}3a"*"09"*"11"*"2a"*) ;;
    *) echo "explain: answer lacks the model, the explained class, the scale or a row with reasons: $resp" >&2; exit 1 ;;
esac
echo "explain: OK ($resp)"
