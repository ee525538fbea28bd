#!/usr/bin/env bash
# `make smoke`: the netcat smoke test against a fresh server, with a model
# repository holding the demo model when the CLI can train one.
# Usage: scripts/smoke.sh GROVE_BINARY
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
grove=$1
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
expect=""
if "$grove" train --help >/dev/null 2>&1; then
    "$grove" train --data "$root/data/german_credit.csv" --target creditability --positive bad \
        --repo "$repo" --name german_credit --trees 20 >/dev/null
    expect=german_credit
fi
"$root/clients/nc/smoke.sh" "$grove" "$repo" $expect
