#!/usr/bin/env python3
"""`make cluster-test`: three Grove replicas behind HAProxy (scripts/cluster.sh), driven by the
Swift client (`grove load`), checking that
  (a) a rolling restart of every replica (SIGTERM one at a time, start it again) loses no request;
  (b) kill -9 of one replica under load costs at most the requests in flight on it (the client
      retries them), and HAProxy marks it down within fall x inter;
  (c) a new model version published to the shared repository is served by every replica within
      the poll interval;
and that each replica's /metrics passes `promtool check metrics`. Prints the figures (and writes
them to RUN_DIR/cluster-test.json). Standard library only; the Python client comes from the tree.

Usage: scripts/cluster_test.py GROVE_BINARY [--replicas 3] [--concurrency 8]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from grove_client import Client  # noqa: E402

FALL, INTER = 2, 0.5          # deploy/haproxy/haproxy.cfg
DRAIN_SECONDS = 2
POLL_INTERVAL = 1.0


def free_base_port():
    """A base port P with P, P+1..P+9 and P+101..P+109 free."""
    for base in range(17000, 30000, 200):
        ports = [base + i for i in range(10)] + [base + 100 + i for i in range(10)]
        ok = True
        for p in ports:
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
            if not ok:
                break
        if ok:
            return base
    raise RuntimeError("no free ports")


class HAProxyLog:
    """HAProxy's stdout, with the arrival time of each 'Server ... is UP/DOWN' line."""

    def __init__(self, proc):
        self.events = []      # (time, server, "UP"|"DOWN")
        self.lines = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stdout:
            now = time.monotonic()
            with self.lock:
                self.lines.append(line.rstrip())
                if line.startswith("Server grove_replicas/"):
                    name = line.split("/", 1)[1].split(" ", 1)[0]
                    state = "UP" if " is UP" in line else "DOWN" if " is DOWN" in line else None
                    if state:
                        self.events.append((now, name, state))

    def wait_for(self, name, state, after, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for t, n, s in self.events:
                    if t >= after and n == name and s == state:
                        return t
            time.sleep(0.01)
        raise AssertionError(f"HAProxy did not mark {name} {state} within {timeout} s:\n" + "\n".join(self.lines[-20:]))


class Cluster:
    def __init__(self, grove, replicas, run_dir):
        self.grove, self.n, self.run_dir = grove, replicas, run_dir
        self.port = free_base_port()
        self.repo = os.path.join(run_dir, "repo")
        self.env = dict(os.environ, REPLICAS=str(replicas), PORT=str(self.port), REPO=self.repo, GROVE=grove,
                        RUN_DIR=run_dir, DRAIN_SECONDS=str(DRAIN_SECONDS), POLL_INTERVAL=str(POLL_INTERVAL))
        self.replicas = {}

    def train(self, trees):
        subprocess.run([self.grove, "train", "--data", os.path.join(ROOT, "data", "german_credit.csv"),
                        "--target", "creditability", "--positive", "bad", "--repo", self.repo,
                        "--name", "german_credit", "--trees", str(trees)], check=True, stdout=subprocess.DEVNULL)

    def start_replica(self, i):
        log = open(os.path.join(self.run_dir, f"replica{i}.log"), "a")
        p = subprocess.Popen([os.path.join(ROOT, "scripts", "cluster.sh"), "replica", str(i)], env=self.env,
                             stdout=subprocess.PIPE, stderr=log, text=True)
        line = p.stdout.readline()
        if not line.startswith("listening"):
            raise RuntimeError(f"replica {i} did not start: {line!r}")
        self.replicas[i] = p

    def start_haproxy(self):
        cfg = subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), "config"], env=self.env, check=True,
                             capture_output=True, text=True).stdout
        path = os.path.join(self.run_dir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, env=dict(self.env, GROVE_FRONTEND_ADDR=f"127.0.0.1:{self.port}"))
        self.log = HAProxyLog(self.haproxy)

    def replica_port(self, i):
        return self.port + i

    def stop(self):
        for p in list(self.replicas.values()) + [getattr(self, "haproxy", None)]:
            if p and p.poll() is None:
                p.kill()
                p.wait()


def load(cluster, concurrency):
    return subprocess.Popen([cluster.grove, "load", f"127.0.0.1:{cluster.port}", "--model", "german_credit",
                             "--concurrency", str(concurrency), "--seconds", "0", "--timeout", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc):
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    if proc.returncode != 0:
        raise AssertionError(f"grove load failed: {err}")
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grove")
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    for tool in ["haproxy", "promtool"]:
        if shutil.which(tool) is None:
            sys.exit(f"cluster-test: {tool} is not installed")
    run_dir = tempfile.mkdtemp(prefix="grove-cluster-")
    c = Cluster(os.path.abspath(args.grove), args.replicas, run_dir)
    results = {"replicas": args.replicas, "concurrency": args.concurrency, "drain_seconds": DRAIN_SECONDS,
               "haproxy_fall_x_inter_seconds": FALL * INTER, "poll_interval_seconds": POLL_INTERVAL}
    failures = []
    try:
        c.train(trees=50)
        for i in range(1, c.n + 1):
            c.start_replica(i)
        c.start_haproxy()
        time.sleep(2 * INTER * 2)   # a few checks pass

        # (a) rolling restart under load
        lp = load(c, args.concurrency)
        time.sleep(1)
        t_start = time.monotonic()
        for i in range(1, c.n + 1):
            name = f"grove{i}"
            sig = time.monotonic()
            c.replicas[i].send_signal(signal.SIGTERM)
            c.log.wait_for(name, "DOWN", sig)
            rc = c.replicas[i].wait(timeout=30)
            if rc != 0:
                failures.append(f"replica {i} exited {rc} after SIGTERM")
            restarted = time.monotonic()
            c.start_replica(i)
            c.log.wait_for(name, "UP", restarted)
        rolling_seconds = time.monotonic() - t_start
        time.sleep(1)
        a = finish(lp)
        a["seconds_for_all_restarts"] = round(rolling_seconds, 2)
        results["rolling_restart"] = a
        if a["failed"] != 0:
            failures.append(f"rolling restart: {a['failed']} failed requests ({a['failures']})")

        # (b) kill -9 of one replica under load
        lp = load(c, args.concurrency)
        time.sleep(1.5)
        victim = 2 if c.n >= 2 else 1
        killed = time.monotonic()
        c.replicas[victim].kill()
        c.replicas[victim].wait()
        down = c.log.wait_for(f"grove{victim}", "DOWN", killed)
        time.sleep(1.5)
        b = finish(lp)
        b["seconds_to_mark_down"] = round(down - killed, 3)
        results["kill_9"] = b
        if b["failed"] > args.concurrency:
            failures.append(f"kill -9: {b['failed']} failed, more than the {args.concurrency} that can be in flight")
        if down - killed > FALL * INTER + INTER + 0.25:
            failures.append(f"kill -9: marked down after {down - killed:.2f} s (fall x inter = {FALL * INTER} s, one inter of phase)")
        restarted = time.monotonic()
        c.start_replica(victim)
        c.log.wait_for(f"grove{victim}", "UP", restarted)

        # (c) a new version reaches every replica within the poll interval
        clients = [Client([f"127.0.0.1:{c.replica_port(i)}"], timeout=2) for i in range(1, c.n + 1)]
        c.train(trees=20)       # version 2, published by an atomic rename when this returns
        published = time.monotonic()
        seen = {}
        while len(seen) < c.n and time.monotonic() - published < 10:
            for k, cl in enumerate(clients):
                if k not in seen and cl.model_info("german_credit").version == 2:
                    seen[k] = time.monotonic() - published
            time.sleep(0.01)
        slowest = max(seen.values()) if len(seen) == c.n else None
        results["new_version"] = {"replicas_serving_v2": len(seen), "slowest_seconds": round(slowest, 3) if slowest else None}
        if slowest is None or slowest > POLL_INTERVAL + 0.5:
            failures.append(f"new version: served by {len(seen)} of {c.n} replicas, slowest {slowest} s (poll interval {POLL_INTERVAL} s)")

        # Every replica's metrics pass promtool's checks.
        for i in range(1, c.n + 1):
            text = urllib.request.urlopen(f"http://127.0.0.1:{c.port + 100 + i}/metrics", timeout=5).read()
            check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
            if check.returncode != 0:
                failures.append(f"promtool check metrics, replica {i}: {check.stdout.decode()} {check.stderr.decode()}")
        results["promtool_check_metrics"] = "ok" if not any("promtool" in f for f in failures) else "failed"
    finally:
        c.stop()
    results["failures"] = failures
    with open(os.path.join(run_dir, "cluster-test.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    ra, kb = results.get("rolling_restart", {}), results.get("kill_9", {})
    print(f"cluster-test: rolling restart of {c.n} replicas: {ra.get('sent')} requests sent, {ra.get('failed')} failed, "
          f"{ra.get('retried')} retried; kill -9: {kb.get('sent')} sent, {kb.get('failed')} failed, {kb.get('retried')} retried, "
          f"marked down after {kb.get('seconds_to_mark_down')} s; new version on all replicas after "
          f"{results.get('new_version', {}).get('slowest_seconds')} s")
    if failures:
        print("cluster-test: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(run_dir, ignore_errors=True)
    print("cluster-test: passed")


if __name__ == "__main__":
    main()
