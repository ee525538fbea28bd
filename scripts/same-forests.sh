#!/bin/bash
# Same forests from two grove binaries: trains 17 configurations with each (two-class entropy
# and gini, leaf 1 and 10, exact splits, 32 bins, calibration, regression, 4 and 10 classes, the
# 50k synthetic rows of `make bench-train`) and compares `grove export --format json`, the
# `--json` metrics (timings, paths and file digests removed) and the model files byte for byte
# apart from their creation time (scripts/same-model-file.py). Exit status 1 if any differ.
#
# Usage: scripts/same-forests.sh OLD_GROVE NEW_GROVE
#   SYNTHETIC=path.csv  the synthetic training file (default .build/bench-data/synthetic_50000.train.csv,
#                       written by `make bench-train`; its three configurations are reported as
#                       missing, and the run fails, when it is absent)
set -u
OLD=$1; NEW=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GERMAN=$ROOT/data/german_credit.csv
CREDIT=$ROOT/../shared/data/credit_data.csv
SYN=${SYNTHETIC:-$ROOT/.build/bench-data/synthetic_50000.train.csv}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
G="--data $GERMAN --target creditability --positive bad"
C="--data $CREDIT --target Status --positive bad"
S="--data $SYN --target target --positive 1"
configs=(
  "$G --threads 2"
  "$G --criterion gini --threads 1"
  "$G --split-method exact --min-samples-leaf 1"
  "$G --calibrate isotonic"
  "--data $GERMAN --target credit_amount --task regression --max-features all"
  "--data $GERMAN --target credit_amount --task regression --max-features sqrt"
  "$G --max-bins 32 --min-samples-leaf 1"
  "--data $GERMAN --target status_of_existing_checking_account"
  "$C"
  "$C --criterion gini"
  "--data $GERMAN --target purpose --min-samples-leaf 1"
  "$S --trees 100 --test-fraction 0"
  "$S --criterion gini --test-fraction 0.2"
  "$C --min-samples-leaf 1"
  "$C --min-samples-leaf 1 --criterion gini"
  "$G --min-samples-leaf 1 --criterion gini --threads 1"
  "$S --min-samples-leaf 1 --trees 20 --test-fraction 0"
)
i=0; bad=0
for c in "${configs[@]}"; do
  i=$((i + 1))
  if [[ $c == *"$SYN"* && ! -f $SYN ]]; then echo "$i MISSING DATA ($SYN): $c"; bad=$((bad + 1)); continue; fi
  for side in old new; do
    bin=$OLD; [ $side = new ] && bin=$NEW
    # shellcheck disable=SC2086
    "$bin" train $c --repo "$W/$side$i" --name m --json 2>&1 \
      | sed -E 's/"seconds": ?[0-9.e-]+//; s/"path":"[^"]*"//; s/"sha256":"[^"]*"//' > "$W/$side$i.metrics"
    "$bin" export --repo "$W/$side$i" --name m --format json > "$W/$side$i.json" 2>&1
  done
  if cmp -s "$W/old$i.json" "$W/new$i.json" && cmp -s "$W/old$i.metrics" "$W/new$i.metrics" \
     && python3 "$ROOT/scripts/same-model-file.py" "$W/old$i/m/1/model.grove" "$W/new$i/m/1/model.grove" > /dev/null; then
    echo "$i same ($(wc -c < "$W/new$i.json") bytes of trees): $c"
  else
    echo "$i DIFFER: $c"; bad=$((bad + 1))
  fi
done
echo "$bad of $i configurations differ"
[ $bad -eq 0 ]
