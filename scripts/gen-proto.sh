#!/usr/bin/env bash
# Regenerates the protobuf-c code in Sources/CGroveProto from proto/: Grove's wire and
# model-file schemas, and the vendored ONNX subset that `grove import --onnx` decodes.
# Usage: scripts/gen-proto.sh [OUT_DIR]   (default: Sources/CGroveProto)
# With OUT_DIR, writes the same layout there (the staleness test uses this).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/Sources/CGroveProto}
command -v protoc-c >/dev/null || { echo "gen-proto: protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 3; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path="$root/proto" --c_out="$tmp" grove/v1/grove.proto grove/v1/lazy.proto grove/v1/model.proto onnx/onnx_subset.proto
for dir in grove/v1 onnx; do
  mkdir -p "$out/include/$dir" "$out/$dir"
  for f in "$tmp"/$dir/*.pb-c.h; do cp "$f" "$out/include/$dir/"; done
  for f in "$tmp"/$dir/*.pb-c.c; do cp "$f" "$out/$dir/"; done
done
