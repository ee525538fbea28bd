#!/usr/bin/env bash
# Regenerates the protobuf-c code in Sources/CGroveProto from proto/.
# Usage: scripts/gen-proto.sh [OUT_DIR]   (default: Sources/CGroveProto)
# With OUT_DIR, writes the same layout there (the staleness test uses this).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/Sources/CGroveProto}
command -v protoc-c >/dev/null || { echo "gen-proto: protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 3; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path="$root/proto" --c_out="$tmp" grove/v1/grove.proto grove/v1/model.proto
mkdir -p "$out/include/grove/v1" "$out/grove/v1"
for f in "$tmp"/grove/v1/*.pb-c.h; do cp "$f" "$out/include/grove/v1/"; done
for f in "$tmp"/grove/v1/*.pb-c.c; do cp "$f" "$out/grove/v1/"; done
