#!/usr/bin/env bash
# Installs the system packages Grove needs, when missing, with apt-get.
# Run by `make build`, `make run` and `make test`; safe to run again (it does
# nothing when everything is present). Needs root or sudo to install.
#
#   libprotobuf-c-dev      protobuf-c runtime library and headers (the wire codec)
#   protobuf-c-compiler    protoc-c, for `make proto` and the generated-code test
#   protobuf-compiler      protoc, for the Python client's generated code and its test
#   netcat-openbsd         nc, for the netcat smoke tests
#   xxd                    hex dumps in the netcat kit
#   python3-protobuf       the Python client's runtime (its tests)
#   python3-prometheus-client  a real Prometheus text-format parser, for the metrics tests
#   haproxy                the load balancer of deploy/haproxy (its health-check bytes are tested live)
# Extra package names given as arguments are installed too (`make cluster-test` asks for
# `prometheus`, whose promtool checks the metrics; `make python-package-test` asks for `python3-venv`).
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libprotobuf-c-dev protobuf-c-compiler protobuf-compiler netcat-openbsd xxd python3-protobuf python3-prometheus-client haproxy "$@"; do
    have_pkg "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "bootstrap: missing packages (${need[*]}) and no apt-get here; install them with your package manager." >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
        echo "bootstrap: need root or sudo to install: ${need[*]}" >&2; exit 1
    fi
fi
echo "bootstrap: installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "bootstrap: done"
