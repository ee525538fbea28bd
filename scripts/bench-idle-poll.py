#!/usr/bin/env python3
"""bench-idle-poll: one-row latency with a KVM guest's idle vCPUs halting at once against polling first.

Usage (root: it writes a kernel parameter, and puts the old value back at the end):
  scripts/bench-idle-poll.py GROVE REPO MODEL DATA [--chunks 10] [--lat 2000] [--poll-ns 200000]

On a KVM guest whose cpuidle driver is haltpoll, /sys/module/haltpoll/parameters/guest_halt_poll_ns
is how long an idle vCPU polls for work before it halts (the kernel's default is 200000; some
images set 0). A halted vCPU wakes through the hypervisor, and a loopback round trip wakes one or
two of them. This script starts `grove serve` and the C echo server (../shared/peers/serving/limit/
pingpong.c, built by `make bench-wire` into .build/pingpong) and replays, in alternating chunks with
the parameter at 0 and at --poll-ns, one dense row, then one row with 4 inline reasons (Grove's own
frames from `grove bench --write-frames`): p50 per chunk, then the medians per setting and their
ratios. Python 3 standard library only.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# bench-wire.py's helpers (free_port, wait_port) and its name for the setting.
_spec = importlib.util.spec_from_file_location("bench_wire", os.path.join(HERE, "bench-wire.py"))
bench_wire = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_wire)
free_port, wait_port = bench_wire.free_port, bench_wire.wait_port

PINGPONG = os.path.join(os.path.dirname(HERE), ".build", "pingpong")
PARAM = bench_wire.HALT_POLL_NS


def p50(port, frame, n):
    out = subprocess.run([PINGPONG, "lat", str(port), "@" + frame, str(n), "200", "60"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["p50_us"]


def main():
    ap = argparse.ArgumentParser()
    for name in ("grove", "repo", "model", "data"):
        ap.add_argument(name)
    ap.add_argument("--chunks", type=int, default=10, help="chunks per setting")
    ap.add_argument("--lat", type=int, default=2000, help="round trips per chunk and payload")
    ap.add_argument("--poll-ns", type=int, default=200000, help="the polling setting compared with 0")
    a = ap.parse_args()
    if not os.path.exists(PARAM):
        print(f"bench-idle-poll: {PARAM} is absent (not a KVM guest with the haltpoll cpuidle driver): nothing to compare")
        return
    if not os.access(PARAM, os.W_OK):
        sys.exit(f"bench-idle-poll: {PARAM} is not writable: run as root")
    if not os.path.exists(PINGPONG):
        sys.exit("bench-idle-poll: .build/pingpong is absent: run `make bench-wire` once first")
    with open(PARAM) as f:
        original = f.read().strip()
    frames = tempfile.mkdtemp(prefix="idle-poll-frames-")
    subprocess.run([a.grove, "bench", "--repo", a.repo, "--model", a.model, "--data", a.data, "--write-frames", frames],
                   check=True, stdout=subprocess.DEVNULL)
    dense, reasons = os.path.join(frames, "dense-1row.pb"), os.path.join(frames, "reasons-1row.pb")
    echo_port, grove_port = free_port(), free_port()
    echo = subprocess.Popen([PINGPONG, "server", str(echo_port)], stderr=subprocess.DEVNULL)
    grove = subprocess.Popen([a.grove, "serve", "--repo", a.repo, "--port", str(grove_port), "--log-level", "error"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    settings = ["0", str(a.poll_ns)]
    rows = {s: [] for s in settings}
    try:
        wait_port(echo_port, echo)
        wait_port(grove_port, grove)
        for i in range(a.chunks):
            for setting in settings if i % 2 == 0 else settings[::-1]:
                with open(PARAM, "w") as f:
                    f.write(setting)
                time.sleep(0.2)
                row = (p50(echo_port, dense, a.lat), p50(grove_port, dense, a.lat), p50(grove_port, reasons, a.lat))
                rows[setting].append(row)
                print(f"guest_halt_poll_ns {setting:>7}: C echo {row[0]:6.1f}  plain {row[1]:6.1f}  + 4 reasons {row[2]:6.1f} µs",
                      flush=True)
    finally:
        try:
            with open(PARAM, "w") as f:
                f.write(original)
        finally:
            for p in (grove, echo):
                p.terminate()
                p.wait()
    med = {s: [statistics.median(r[k] for r in rows[s]) for k in range(3)] for s in settings}
    for s in settings:
        e, p, r = med[s]
        print(f"medians, guest_halt_poll_ns {s:>7}: C echo {e:.1f}, plain {p:.1f}, + 4 reasons {r:.1f} µs "
              f"(reasons / plain {statistics.median(x[2] / x[1] for x in rows[s]):.2f})")
    off, on = med["0"], med[settings[1]]
    print(f"0 / {settings[1]}: C echo {off[0] / on[0]:.2f}x, plain {off[1] / on[1]:.2f}x, + 4 reasons {off[2] / on[2]:.2f}x "
          f"(the parameter is back at {original})")


if __name__ == "__main__":
    main()
