#!/usr/bin/env bash
# Regenerates the Python client's protobuf code from proto/ with protoc.
# Usage: scripts/gen-python.sh [OUT_DIR]   (default: clients/python/grove_client/_proto)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/clients/python/grove_client/_proto}
command -v protoc >/dev/null || { echo "gen-python: protoc not found (apt-get install protobuf-compiler)" >&2; exit 3; }
mkdir -p "$out"
protoc --proto_path="$root/proto" --python_out="$out" grove/v1/grove.proto
touch "$out/__init__.py" "$out/grove/__init__.py" "$out/grove/v1/__init__.py"
