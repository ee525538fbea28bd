#!/usr/bin/env bash
# check-seam: fails if a libc I/O call appears outside the syscall seam (Sources/GroveSystem)
# and the epoll file (Sources/GroveServer/EventLoop/Epoll.swift). Comments and declarations of
# Grove's own methods with the same names (`func read(`) are not calls, so they are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -rnE --include='*.swift' \
    '(^|[^.[:alnum:]_])(read|write|open|rename|send|recv|poll|fsync|fdatasync|unlink|connect|signal)\(|epoll_|Glibc\.(read|write|open|close|send|recv|poll|connect|rename|unlink|fsync)' Sources \
    | grep -vE '^Sources/(GroveSystem/|GroveServer/EventLoop/Epoll\.swift)' \
    | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//|func ' || true)
if [ -n "$hits" ]; then
    echo "check-seam: libc I/O outside Sources/GroveSystem (wrap it in Syscall):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-seam: ok (no libc I/O call outside Sources/GroveSystem and Epoll.swift)"
