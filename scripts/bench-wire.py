#!/usr/bin/env python3
"""bench-wire: Grove against the C echo server, driven by the independent C client, in one run.

Usage: scripts/bench-wire.py GROVE REPO MODEL DATA [--runs 2] [--lat 30000] [--seconds 3]

Builds ../shared/peers/serving/limit/pingpong.c (gcc -O2, into .build/; when the file is absent
it says so and exits 0), has `grove bench --write-frames` write Grove's own request payloads (one
dense row, one raw record, the 100-row batch, one row with 4 inline reasons), starts `grove serve` (default threads) and the C
echo server, and replays each payload against both, interleaved, RUNS times:
  lat   N sequential round trips on one connection (after N/10 of warm-up)
  tput  16 connections x 16 in flight for SECONDS (after 1 s of warm-up)
Then the inline-reasons figure again, paired: PAIRS alternating chunks of PAIR_LAT round trips
(C echo, then plain dense and dense + 4 reasons, in turns first), each ratio taken within a fraction
of a second and reported apart for the loopback's fast mode (the pair's C echo p50 within 1.5x the
fastest of all pairs) and slow mode: the mode follows the host and can change between two long runs.
Then one dense row against the same server with an audit log, durable before answering (the
default) and with --audit-async: the cost of the promise "an audited prediction is answered only
once its record is durable". Server CPU per request comes from /proc/PID/stat (utime + stime)
over each run. Every figure is printed with its ratio to a baseline from the same run; the
summary gives each ratio per run and their median. It first prints how idle vCPUs wait (cpuidle driver,
haltpoll's guest_halt_poll_ns), which sets the loopback's mode on a KVM guest. Python 3 standard library only.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PINGPONG_C = os.path.join(ROOT, "..", "shared", "peers", "serving", "limit", "pingpong.c")
BUILD = os.path.join(ROOT, ".build")
TICKS = os.sysconf("SC_CLK_TCK")
# How long an idle vCPU of a KVM guest polls before it halts (haltpoll cpuidle driver).
HALT_POLL_NS = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"
# Error messages name the script that runs (scripts/bench-idle-poll.py uses the helpers below).
SCRIPT = os.path.splitext(os.path.basename(sys.argv[0]))[0]


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def idle_setting():
    """How this machine's idle CPUs wait: the cpuidle driver and, on a KVM guest with the haltpoll
    driver, how long an idle vCPU polls before it halts (guest_halt_poll_ns; None when absent).
    With 0, every idle vCPU halts and each wake-up costs a trip through the hypervisor: on the
    machines of BENCHMARKS.md ("Tenth session") that is the loopback's slow mode (C echo p50 about
    75 µs against 21 with 200000, the kernel's default)."""
    return {"cpuidle_driver": read_text("/sys/devices/system/cpu/cpuidle/current_driver"),
            "guest_halt_poll_ns": read_text(HALT_POLL_NS)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{SCRIPT}: server exited with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{SCRIPT}: nothing listening on {port} after {seconds} s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def run_client(pingpong, args, pid, warm_seconds):
    """Runs the C client; returns its JSON and the server's CPU seconds over the measured part."""
    p = subprocess.Popen([pingpong] + args, stdout=subprocess.PIPE, text=True)
    start = cpu_seconds(pid)
    if warm_seconds:
        time.sleep(warm_seconds)
        start = cpu_seconds(pid)
    out, _ = p.communicate(timeout=120)
    if p.returncode != 0:
        sys.exit(f"bench-wire: pingpong {' '.join(args)} failed ({p.returncode})")
    return json.loads(out), cpu_seconds(pid) - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grove")
    ap.add_argument("repo")
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--lat", type=int, default=30000)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--threads", type=int, help="grove serve --threads (default: the server's, one per core)")
    ap.add_argument("--pairs", type=int, default=20, help="alternating chunks for the paired inline-reasons figure")
    ap.add_argument("--pair-lat", type=int, default=2000, help="round trips per chunk of a pair")
    a = ap.parse_args()
    idle = idle_setting()
    print(f"idle vCPUs: cpuidle driver {idle['cpuidle_driver'] or 'unknown'}, "
          f"guest_halt_poll_ns {idle['guest_halt_poll_ns'] if idle['guest_halt_poll_ns'] is not None else 'absent'}")
    if a.pairs < 1 or a.pair_lat < 1:
        sys.exit("bench-wire: --pairs and --pair-lat must be at least 1")

    if not os.path.exists(PINGPONG_C):
        print(f"bench-wire: {os.path.normpath(PINGPONG_C)} is absent; the C echo comparison is skipped")
        return
    os.makedirs(BUILD, exist_ok=True)
    pingpong = os.path.join(BUILD, "pingpong")
    if not os.path.exists(pingpong) or os.path.getmtime(pingpong) < os.path.getmtime(PINGPONG_C):
        subprocess.run(["gcc", "-O2", "-Wall", "-o", pingpong, PINGPONG_C], check=True)

    frames = os.path.join(BUILD, "bench-frames")
    subprocess.run([a.grove, "bench", "--repo", a.repo, "--model", a.model, "--data", a.data, "--write-frames", frames],
                   check=True, stdout=subprocess.DEVNULL)
    payloads = [("dense 1 row", "dense-1row.pb"), ("raw record 1 row", "record-1row.pb"), ("dense 100 rows", "dense-100rows.pb"),
                ("1 row + 4 reasons", "reasons-1row.pb")]
    for _, f in payloads:
        if not os.path.exists(os.path.join(frames, f)):
            sys.exit(f"bench-wire: {f} was not written")

    # The in-process forest's one-row time (the CPU a request cannot avoid).
    inproc = subprocess.run([a.grove, "bench", "--repo", a.repo, "--model", a.model, "--data", a.data, "--inference-only", "--json"],
                            check=True, capture_output=True, text=True).stdout
    forest_us = next(r["ns_per_row"] for r in json.loads(inproc)["results"] if r["name"] == "inference one row") / 1000

    echo_port, grove_port = free_port(), free_port()
    echo = subprocess.Popen([pingpong, "server", str(echo_port)], stderr=subprocess.DEVNULL)
    serve = [a.grove, "serve", "--repo", a.repo, "--port", str(grove_port), "--log-level", "error"]
    if a.threads:
        serve += ["--threads", str(a.threads)]
    grove = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The same server with an audit log: durable before answering (the default), and --audit-async.
    audit_dir = tempfile.mkdtemp(prefix="bench-audit-", dir=BUILD)
    audited = []
    for name, extra in (("audit", []), ("audit-async", ["--audit-async"])):
        port = free_port()
        cmd = serve[:] + ["--audit-log", os.path.join(audit_dir, name)] + extra
        cmd[cmd.index("--port") + 1] = str(port)
        audited.append((name, port, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    try:
        wait_port(echo_port, echo)
        wait_port(grove_port, grove)
        for _, port, p in audited:
            wait_port(port, p)
        servers = [("C echo", echo_port, echo.pid), ("grove", grove_port, grove.pid)]
        runs = []
        for run in range(a.runs):
            res = {}
            for label, f in payloads:
                spec = "@" + os.path.join(frames, f)
                warm = max(1000, a.lat // 10)
                for name, port, pid in servers:
                    j, cpu = run_client(pingpong, ["lat", str(port), spec, str(a.lat), str(warm), "60"], pid, 0)
                    j["cpu_us_per_request"] = cpu / (j["n"] + warm) * 1e6
                    res[("lat", label, name)] = j
            for label, f in payloads[:2] + payloads[3:]:
                spec = "@" + os.path.join(frames, f)
                for name, port, pid in servers:
                    j, cpu = run_client(pingpong, ["tput", str(port), spec, "16", "16", str(a.seconds), "50000000"], pid, 1.0)
                    j["cpu_us_per_request"] = cpu / max(1, j["requests"]) * 1e6
                    res[("tput", label, name)] = j
            spec = "@" + os.path.join(frames, "dense-1row.pb")
            for name, port, p in audited:
                # Fewer round trips: a durable answer waits for an fdatasync (milliseconds on some disks).
                n, w = min(a.lat, 2000), 200
                j, cpu = run_client(pingpong, ["lat", str(port), spec, str(n), str(w), "30"], p.pid, 0)
                j["cpu_us_per_request"] = cpu / (j["n"] + w) * 1e6
                res[("lat", "dense 1 row", name)] = j
                j, cpu = run_client(pingpong, ["tput", str(port), spec, "16", "16", str(a.seconds), "50000000"], p.pid, 1.0)
                j["cpu_us_per_request"] = cpu / max(1, j["requests"]) * 1e6
                res[("tput", "dense 1 row", name)] = j
            # The inline-reasons figure again, paired: short alternating chunks (C echo, plain,
            # + 4 reasons) on the same connections' servers, so each ratio compares two latencies
            # measured within a fraction of a second, in the same loopback mode (the long runs
            # above can catch plain in one mode and reasons in the other: the mode follows the
            # host and changes within seconds). The C echo's p50 says which mode a pair ran in.
            pairs = []
            reasons_spec = "@" + os.path.join(frames, "reasons-1row.pb")
            dense_spec = "@" + os.path.join(frames, "dense-1row.pb")
            for i in range(a.pairs):
                row = {}
                # Plain and reasons swap places every other pair, so a drift in time favours neither.
                chunks = [("plain", grove_port, dense_spec), ("reasons", grove_port, reasons_spec)]
                for key, port, spec in [("echo", echo_port, dense_spec)] + (chunks if i % 2 == 0 else chunks[::-1]):
                    j, _cpu = run_client(pingpong, ["lat", str(port), spec, str(a.pair_lat), "200", "60"], grove.pid, 0)
                    row[key] = j["p50_us"]
                pairs.append(row)
            res[("paired", "1 row + 4 reasons", "grove")] = {"pairs": pairs}
            runs.append(res)
            print(f"run {run + 1} of {a.runs}:")
            print(f"  {'':9} {'payload':18} {'server':11} {'p50 µs':>8} {'p99 µs':>8} {'req/s':>10} {'cpu µs/req':>10}")
            for (mode, label, name), j in res.items():
                if mode == "paired":
                    continue
                print(f"  {mode:9} {label:18} {name:11} {j['p50_us']:8.1f} {j['p99_us']:8.1f} {j['rps']:10.0f} {j['cpu_us_per_request']:10.2f}")
            print(f"  paired chunks of {a.pair_lat} round trips, p50 µs (C echo, plain, + 4 reasons: ratio):")
            print("   " + "; ".join(f"{q['echo']:.1f}, {q['plain']:.1f}, {q['reasons']:.1f}: {q['reasons'] / q['plain']:.2f}"
                                    for q in pairs))
    finally:
        for p in [grove, echo] + [p for _, _, p in audited]:
            p.terminate()
            p.wait()
        shutil.rmtree(audit_dir, ignore_errors=True)

    dense, record, batch, g, e = "dense 1 row", "raw record 1 row", "dense 100 rows", "grove", "C echo"
    reasons = "1 row + 4 reasons"
    cpu = "cpu_us_per_request"
    # name, target, mode, metric, numerator (payload, server), denominator (payload, server);
    # a figure named "... - (echo + forest)" is the difference numerator - denominator - forest.
    figures = [
        ("dense 1 row p50, grove / C echo", "<= 1.25", "lat", "p50_us", (dense, g), (dense, e)),
        ("dense 1 row p99, grove / C echo", "<= 1.5", "lat", "p99_us", (dense, g), (dense, e)),
        ("raw record p50, grove / C echo", "", "lat", "p50_us", (record, g), (record, e)),
        ("raw record p50 / dense p50 (grove)", "<= 1.1", "lat", "p50_us", (record, g), (dense, g)),
        ("100-row batch p50, grove / C echo", "", "lat", "p50_us", (batch, g), (batch, e)),
        ("16x16 dense req/s, grove / C echo", ">= 0.35", "tput", "rps", (dense, g), (dense, e)),
        ("16x16 raw record req/s / dense req/s (grove)", ">= 0.8", "tput", "rps", (record, g), (dense, g)),
        ("16x16 raw record req/s, grove / C echo", "", "tput", "rps", (record, g), (record, e)),
        ("server CPU µs/request, 16x16 dense: grove - (echo + forest)", "<= 0.5 µs", "tput", cpu, (dense, g), (dense, e)),
        ("server CPU µs/request, 16x16 record / dense (grove)", "", "tput", cpu, (record, g), (dense, g)),
        ("server CPU µs/request, 1 conn dense: grove - (echo + forest)", "", "lat", cpu, (dense, g), (dense, e)),
        ("1 row + 4 inline reasons p50 / plain dense p50 (grove)", "<= 2", "lat", "p50_us", (reasons, g), (dense, g)),
        ("16x16 1 row + 4 inline reasons req/s, grove / C echo", "", "tput", "rps", (reasons, g), (reasons, e)),
        ("audited (durable before answer) p50 / no audit, dense 1 row", "", "lat", "p50_us", (dense, "audit"), (dense, g)),
        ("audited (durable before answer) p99 / no audit", "", "lat", "p99_us", (dense, "audit"), (dense, g)),
        ("audited --audit-async p50 / no audit", "", "lat", "p50_us", (dense, "audit-async"), (dense, g)),
        ("audited --audit-async p99 / no audit", "", "lat", "p99_us", (dense, "audit-async"), (dense, g)),
        ("16x16 audited (durable) req/s / no audit", "", "tput", "rps", (dense, "audit"), (dense, g)),
        ("16x16 audited --audit-async req/s / no audit", "", "tput", "rps", (dense, "audit-async"), (dense, g)),
    ]

    def value(r, name, mode, metric, num, den):
        a, b = r[(mode,) + num][metric], r[(mode,) + den][metric]
        return a - b - forest_us if "(echo + forest)" in name else a / b

    # The paired inline-reasons figure: per run, the median ratio over the pairs run in the fast
    # loopback mode (the C echo's p50 within 1.5x its fastest in any run) and over the others.
    fastest = min(q["echo"] for r in runs for q in r[("paired", reasons, g)]["pairs"])

    def paired(r, fast):
        pairs = r[("paired", reasons, g)]["pairs"]
        chosen = [q["reasons"] / q["plain"] for q in pairs if (q["echo"] <= 1.5 * fastest) == fast]
        return (statistics.median(chosen), len(chosen)) if chosen else (float("nan"), 0)

    print(f"\nin-process forest, one row: {forest_us:.2f} µs")
    print(f"{'figure (same run)':62} {'runs':>16} {'median':>8}  target")
    summary = []
    for name, target, mode, metric, num, den in figures:
        vals = [value(r, name, mode, metric, num, den) for r in runs]
        med = statistics.median(vals)
        print(f"{name:62} {' '.join(f'{v:7.2f}' for v in vals):>16} {med:8.2f}  {target}")
        summary.append({"name": name, "runs": vals, "median": med, "target": target})
    for fast, name in ((True, "1 row + 4 inline reasons / plain p50, paired, fast mode"),
                       (False, "1 row + 4 inline reasons / plain p50, paired, slow mode")):
        got = [paired(r, fast) for r in runs]
        vals = [v for v, _ in got]
        known = [v for v in vals if v == v]
        med = statistics.median(known) if known else float("nan")
        print(f"{name:62} {' '.join(f'{v:7.2f}' for v in vals):>16} {med:8.2f}  <= 2"
              f"  (pairs: {', '.join(str(n) for _, n in got)})")
        # JSON has no NaN: a run without pairs of this mode is null.
        summary.append({"name": name, "runs": [v if v == v else None for v in vals], "median": med if med == med else None,
                        "target": "<= 2", "pairs": [n for _, n in got]})
    with open(os.path.join(BUILD, "bench-wire.json"), "w") as f:
        json.dump({"forest_us": forest_us, "idle": idle, "summary": summary,
                   "runs": [{" / ".join(k): v for k, v in r.items()} for r in runs]}, f, indent=1)
    print(f"(all figures: {os.path.join('.build', 'bench-wire.json')})")


if __name__ == "__main__":
    main()
