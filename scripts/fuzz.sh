#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets in Fuzz/ (ASan + libFuzzer) and runs
# each for FUZZ_SECONDS (default 60) or FUZZ_RUNS executions, whichever comes first,
# seeded from Fuzz/Corpus/<target>. FUZZ_TARGETS picks targets (default: all ten).
# A crash is copied to Fuzz/Regressions/<target>/ (commit it: `make test` replays it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
cd "$root/Fuzz"
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --scratch-path .build-fuzz
mkdir -p Corpus
# Seeds: real frames, a real model file, the demo CSV.
mkdir -p Corpus/FuzzFrames Corpus/FuzzRequest Corpus/FuzzModelFile Corpus/FuzzCSV Corpus/FuzzKeyFile Corpus/FuzzAdminUpload Corpus/FuzzOnnx Corpus/FuzzRecordScanner Corpus/FuzzResponseEncoder Corpus/FuzzDenseRequest
printf '# id role sha256\nops admin %064d\ndesk predict %064d\n' 0 1 > Corpus/FuzzKeyFile/keys
printf 'committee %064d\n' 2 > Corpus/FuzzKeyFile/signers
# The small ONNX fixtures (hand-built graphs, XGBoost, LightGBM) seed the ONNX importer.
for f in "$root"/Tests/GroveONNXTests/Fixtures/{modes_,classifier3_,binary_,opset5_,average_,bad_,xgboost_,lightgbm_}*.onnx; do
    [ -e "$f" ] && cp "$f" Corpus/FuzzOnnx/
done
printf '\x00\x00\x00\x04\x08\x01\x52\x00' > Corpus/FuzzFrames/health
printf '\x08\x01\x52\x00' > Corpus/FuzzRequest/health
head -c 4000 "$root/data/german_credit.csv" > Corpus/FuzzCSV/german_head.csv
if [ -x "$root/.build/debug/grove" ] && [ ! -s Corpus/FuzzModelFile/small.grove ]; then
    tmp=$(mktemp -d)
    "$root/.build/debug/grove" train --data "$root/data/german_credit.csv" --target creditability --repo "$tmp" --name seed --trees 2 --max-depth 3 >/dev/null
    cp "$tmp/seed/1/model.grove" Corpus/FuzzModelFile/small.grove
    rm -rf "$tmp"
fi
# Kept inputs seed their target too (FuzzAdminUpload's seed is a valid three-chunk upload; FuzzRecordScanner's
# are real records and record requests as the clients write them).
for target in FuzzFrames FuzzRequest FuzzModelFile FuzzCSV FuzzKeyFile FuzzAdminUpload FuzzRecordScanner FuzzResponseEncoder FuzzDenseRequest; do
    cp Regressions/$target/* Corpus/$target/ 2>/dev/null || true
done
status=0
for target in ${FUZZ_TARGETS:-FuzzFrames FuzzRequest FuzzModelFile FuzzCSV FuzzKeyFile FuzzAdminUpload FuzzOnnx FuzzRecordScanner FuzzResponseEncoder FuzzDenseRequest}; do
    echo "== $target for ${seconds}s"
    art=$(mktemp -d)
    if ! ".build-fuzz/release/$target" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -rss_limit_mb=2048 -artifact_prefix="$art/" \
            -print_final_stats=1 "Corpus/$target" 2>"$art/log"; then
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs" "$art/log" || true
    for crash in "$art"/crash-* "$art"/oom-* "$art"/timeout-*; do
        [ -e "$crash" ] || continue
        cp "$crash" "Regressions/$target/"
        echo "   found $(basename "$crash"): kept in Fuzz/Regressions/$target/"
    done
    rm -rf "$art"
done
exit $status
