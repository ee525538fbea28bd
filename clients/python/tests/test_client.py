"""Tests of the Python client against a live `grove serve` (started here on a free port)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
# GROVE_CLIENT_INSTALLED=1 (make python-package-test): test the copy pip installed into this
# interpreter's environment, not the source tree.
INSTALLED = os.environ.get("GROVE_CLIENT_INSTALLED") == "1"
if not INSTALLED:
    sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

import grove_client  # noqa: E402
from grove_client import Client, GroveError  # noqa: E402

GROVE = os.environ.get("GROVE_BIN", os.path.join(ROOT, ".build", "debug", "grove"))
DATA = os.path.join(ROOT, "data", "german_credit.csv")


def start_server(repo):
    proc = subprocess.Popen([GROVE, "serve", "--repo", repo, "--port", "0", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening"):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


class LiveServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.repo = tempfile.mkdtemp(prefix="grove-py-")
        subprocess.run([GROVE, "train", "--data", DATA, "--target", "creditability", "--positive", "bad",
                        "--repo", cls.repo, "--name", "german_credit", "--trees", "10"],
                       check=True, stdout=subprocess.DEVNULL)
        # A regression model (credit_amount) and a three-class one (housing) on the same data.
        for name, target, task in [("amount", "credit_amount", "regression"), ("housing", "housing", "classification")]:
            subprocess.run([GROVE, "train", "--data", DATA, "--target", target, "--task", task,
                            "--repo", cls.repo, "--name", name, "--trees", "6"],
                           check=True, stdout=subprocess.DEVNULL)
        cls.proc, cls.port = start_server(cls.repo)
        cls.address = f"127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        shutil.rmtree(cls.repo, ignore_errors=True)

    def client(self, **kw):
        return Client([self.address], **kw)

    def test_health_models_info_stats(self):
        c = self.client()
        self.assertEqual(c.health().status, 1)  # SERVING
        models = c.list_models()
        self.assertEqual(sorted(m.name for m in models), ["amount", "german_credit", "housing"])
        info = c.model_info("german_credit")
        self.assertEqual(len(info.feature_names), 61)
        self.assertEqual(list(info.classes), ["bad", "good"])
        self.assertGreaterEqual(c.stats().requests_total, 3)

    def test_predict_records_dense_and_batch(self):
        c = self.client()
        rec = {"age_in_years": 35, "housing": "own", "duration_in_month": 12, "credit_amount": None}
        p = c.predict("german_credit", records=[rec])
        self.assertEqual((p.model, p.version, p.rows, p.num_classes), ("german_credit", 1, 1, 2))
        self.assertAlmostEqual(sum(p.probabilities[0]), 1.0, places=12)
        info = c.model_info("german_credit@1")
        dense = [[0.0] * len(info.feature_names) for _ in range(3)]
        q = c.predict("german_credit@1", dense=dense, labels_only=True)
        self.assertEqual(q.rows, 3)
        self.assertEqual(q.probabilities, [])
        self.assertEqual(len(q.class_index), 3)

    def test_errors_carry_grpc_codes_and_say_which(self):
        c = self.client()
        with self.assertRaises(GroveError) as e:
            c.model_info("nope")
        self.assertEqual(e.exception.code, "NOT_FOUND")
        self.assertIn("nope", e.exception.message)
        with self.assertRaises(GroveError) as e:
            c.predict("german_credit", dense=[1.0, 2.0])
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertIn("61 features", e.exception.message)
        with self.assertRaises(GroveError) as e:
            c.predict("german_credit", records=[{"salary": 1}])
        self.assertIn("salary", e.exception.message)
        self.assertEqual(c.health().status, 1)  # still usable

    def test_pipeline_keeps_order(self):
        c = self.client()
        calls = [Client.predict_call("german_credit", records=[{"age_in_years": 20 + i}]) for i in range(50)]
        calls.insert(10, Client.predict_call("missing", records=[{}]))
        out = c.pipeline(calls)
        self.assertEqual(len(out), 51)
        self.assertIsInstance(out[10], GroveError)
        self.assertTrue(all(o.rows == 1 for i, o in enumerate(out) if i != 10))

    def test_answers_agree_with_the_swift_client_to_the_last_bit(self):
        rows = os.path.join(self.repo, "rows.csv")
        with open(DATA) as f, open(rows, "w") as out:
            lines = f.readlines()[:21]
            out.writelines(lines)
        swift = subprocess.run([GROVE, "call", self.address, "predict", "--model", "german_credit", "--csv", rows, "--json"],
                               check=True, capture_output=True, text=True)
        swift_probs = json.loads(swift.stdout)["predict"]["probabilities"]
        import csv
        with open(rows) as f:
            reader = csv.DictReader(f)
            records = []
            for row in reader:
                rec = {}
                for k, v in row.items():
                    try:
                        rec[k] = float(v)
                    except ValueError:
                        rec[k] = v
                records.append(rec)
        py = self.client().predict("german_credit", records=records)
        # Both answers hold all 20 rows, and every probability is the same double.
        self.assertEqual(len(py.probabilities), 20)
        self.assertEqual(len(swift_probs), 20)
        self.assertEqual([[x.hex() for x in row] for row in py.probabilities],
                         [[float(x).hex() for x in row] for row in swift_probs])

    def test_notes_say_what_was_filled_and_strict_refuses_it(self):
        c = self.client()
        p = c.predict("german_credit", records=[{"age_in_years": 35, "housing": "castle", "credit_amount": None}])
        kinds = {(n.column, n.kind) for n in p.notes}
        self.assertIn(("housing", "UNSEEN_CATEGORY"), kinds)
        self.assertIn(("credit_amount", "MISSING"), kinds)
        self.assertEqual(sum(1 for n in p.notes if n.kind == "ABSENT"), 17)
        self.assertEqual([n.value for n in p.notes if n.column == "housing"], ["castle"])
        with self.assertRaises(GroveError) as e:
            c.predict("german_credit", records=[{"age_in_years": 35}], strict=True)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertIn("absent", e.exception.message)
        with self.assertRaises(GroveError) as e:
            c.predict("german_credit", records=[{"housing": 3}])
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertIn("categorical", e.exception.message)

    def test_a_nul_in_text_is_refused_not_cut(self):
        c = self.client()
        with self.assertRaises(GroveError) as e:
            c.model_info("german_credit\x00x")
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertIn("NUL", e.exception.message)
        with self.assertRaises(GroveError) as e:
            c.predict("german_credit", records=[{"housing": "own\x00x"}])
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertIn("Field.text", e.exception.message)

    def test_explain_matches_the_swift_cli_and_adds_up(self):
        c = self.client()
        rec = {"age_in_years": 22, "housing": "rent", "duration_in_month": 48, "credit_amount": 9000}
        e = c.explain("german_credit", records=[rec], top_k=3)
        self.assertEqual((e.model, e.version, e.explained_class, e.scale), ("german_credit", 1, "bad", "probability"))
        row = e.rows[0]
        p = c.predict("german_credit", records=[rec])
        self.assertAlmostEqual(row["base_value"] + sum(row["contributions"].values()), p.probabilities[0][0], places=9)
        self.assertLessEqual(len(row["reasons"]), 3)
        contributions = [x["contribution"] for x in row["reasons"]]
        self.assertEqual(contributions, sorted(contributions, reverse=True))
        self.assertTrue(all(x > 0 for x in contributions))
        swift = subprocess.run([GROVE, "call", self.address, "explain", "--model", "german_credit", "--record", json.dumps(rec),
                                "--top", "3", "--json"], check=True, capture_output=True, text=True)
        srow = json.loads(swift.stdout)["explain"]["rows"][0]
        self.assertEqual([x["column"] for x in srow["reasons"]], [x["column"] for x in row["reasons"]])
        for k, v in row["contributions"].items():
            self.assertEqual(v.hex(), float(srow["contributions"][k]).hex())
        inline = c.pipeline([lambda r: (Client._fill_predict(r, "german_credit", None, [rec], False), setattr(r.predict, "reasons", 3))])[0]
        self.assertEqual([x.column for x in inline.reasons[0].reasons], [x["column"] for x in row["reasons"]])
        with self.assertRaises(GroveError) as err:
            c.explain("german_credit", records=[rec], top_k=65)
        self.assertEqual(err.exception.code, "INVALID_ARGUMENT")

    def test_exported_trees_recompute_the_predictions_and_the_base_value(self):
        out = subprocess.run([GROVE, "export", "--repo", self.repo, "--name", "german_credit", "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
        model = json.loads(out)
        self.assertEqual((model["aggregation"], model["positive_class"], len(model["trees"])), ("average", "bad", 10))
        info = self.client().model_info("german_credit")
        self.assertEqual(model["feature_names"], list(info.feature_names))
        rows = [[float((i * 7 + j * 3) % 5) for j in range(len(info.feature_names))] for i in range(5)]
        rows[0][1] = float("nan")
        p = self.client().predict("german_credit", dense=rows)
        e = self.client().explain("german_credit", dense=rows)
        fills = {}
        j = 0
        for c in model["inputs"]:
            if c["kind"] == "numeric":
                fills[j] = c["fill_value"]
                j += 1
            else:
                j += len(c["categories"])
        for r, row in enumerate(rows):
            x = [fills.get(j, 0.0) if v != v else v for j, v in enumerate(row)]  # NaN is filled, as the server does
            total = [0.0, 0.0]
            for t in model["trees"]:
                n = 0
                while t["children_left"][n] != -1:
                    n = t["children_left"][n] if x[t["feature"][n]] <= t["threshold"][n] else t["children_right"][n]
                total = [a + b for a, b in zip(total, t["value"][n])]
            self.assertEqual([v / 10 for v in total], p.probabilities[r])
        # The root's value is the cover-weighted mean of the leaves: the mean is the base value.
        base = sum(t["value"][0][0] for t in model["trees"]) / 10
        self.assertAlmostEqual(base, e.rows[0]["base_value"], places=12)

    def _swift_answer(self, model, records):
        args = [GROVE, "call", self.address, "predict", "--model", model, "--json"]
        for rec in records:
            args += ["--record", json.dumps(rec)]
        return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)["predict"]

    def test_regression_and_multiclass_models_served_end_to_end(self):
        c = self.client()
        recs = [{"age_in_years": 20 + 7 * i, "duration_in_month": 6 + 3 * i, "housing": ["own", "rent", "for free"][i % 3],
                 "purpose": "car (new)"} for i in range(6)]
        amount = c.predict("amount", records=[{k: v for k, v in r.items()} for r in recs])
        self.assertEqual((amount.rows, amount.num_classes, amount.probabilities, amount.class_index), (6, 0, [], []))
        self.assertEqual(len(amount.values), 6)
        swift = self._swift_answer("amount", recs)
        self.assertEqual([x.hex() for x in amount.values], [float(x).hex() for x in swift["values"]])
        self.assertGreater(len(set(amount.values)), 1)
        housing_recs = [{k: v for k, v in r.items() if k != "housing"} for r in recs]
        housing = c.predict("housing", records=housing_recs)
        self.assertEqual((housing.rows, housing.num_classes, housing.values), (6, 3, []))
        self.assertEqual(list(c.model_info("housing").classes), ["for free", "own", "rent"])
        swift = self._swift_answer("housing", housing_recs)
        self.assertEqual([[x.hex() for x in row] for row in housing.probabilities],
                         [[float(x).hex() for x in row] for row in swift["probabilities"]])
        self.assertEqual(housing.class_index, swift["class_index"])
        for row, k in zip(housing.probabilities, housing.class_index):
            self.assertEqual(row.index(max(row)), k)

    def test_failover_to_the_second_endpoint(self):
        c = Client(["127.0.0.1:1", self.address], timeout=3)
        for _ in range(3):
            self.assertEqual(c.health().status, 1)

    def test_deadline_exceeded_on_a_silent_server(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        try:
            c = Client([f"127.0.0.1:{silent.getsockname()[1]}"])
            t = time.monotonic()
            with self.assertRaises(GroveError) as e:
                c.health(timeout=0.3)
            self.assertEqual(e.exception.code, "DEADLINE_EXCEEDED")
            self.assertLess(time.monotonic() - t, 2)
        finally:
            silent.close()

    def test_round_robin_spreads_calls_over_two_servers(self):
        proc, port = start_server(self.repo)
        try:
            other = f"127.0.0.1:{port}"
            before = [Client([a]).stats().requests_total for a in (self.address, other)]
            c = Client([self.address, other], balancing="round_robin")
            for _ in range(20):
                self.assertEqual(c.health().status, 1)
            after = [Client([a]).stats().requests_total for a in (self.address, other)]
            # 10 each, plus the second stats call (each Stats counts itself).
            self.assertEqual([b - a for a, b in zip(before, after)], [11, 11])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()

    def test_least_outstanding_and_a_dead_endpoint(self):
        c = Client(["127.0.0.1:1", self.address], balancing="least_outstanding", timeout=3)
        for _ in range(5):
            self.assertEqual(c.health().status, 1)
        self.assertFalse(c.is_healthy(0))
        self.assertEqual(c.counters["ejections"], 1)

    def test_a_call_is_retried_once_when_no_answer_byte_came_and_carries_its_deadline(self):
        recorder = RequestRecorder()
        try:
            c = Client([f"127.0.0.1:{recorder.port}"], timeout=0.5)
            with self.assertRaises(GroveError) as e:
                c.health()
            self.assertEqual(e.exception.code, "UNAVAILABLE")
            self.assertEqual(len(recorder.requests), 2)        # sent, then retried once
            self.assertEqual(c.counters["retries"], 1)
            budgets = [r.timeout_micros for r in recorder.requests]
            self.assertTrue(all(0 < b <= 500_000 for b in budgets), budgets)
        finally:
            recorder.close()


class RequestRecorder:
    """Reads one request per connection, records it, closes without answering a byte."""

    def __init__(self):
        import threading
        from grove_client._proto.grove.v1 import grove_pb2 as pb
        self.pb = pb
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            buf = b""
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                buf += chunk
                if len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[:4], "big"):
                    r = self.pb.Request()
                    r.ParseFromString(buf[4:4 + int.from_bytes(buf[:4], "big")])
                    self.requests.append(r)
                    break
            conn.close()

    def close(self):
        self.sock.close()


class PackageTest(unittest.TestCase):
    def test_the_package_under_test_is_the_one_asked_for(self):
        source = os.path.join(ROOT, "clients", "python", "grove_client")
        here = os.path.dirname(os.path.abspath(grove_client.__file__))
        if INSTALLED:
            self.assertNotEqual(here, source, "GROVE_CLIENT_INSTALLED=1 but the source tree was imported")
            self.assertIn("site-packages", here)
        else:
            self.assertEqual(here, source)


class ExplanationTest(unittest.TestCase):
    def test_repeated_feature_names_are_summed_not_dropped(self):
        pb = grove_client.client.pb
        msg = pb.ExplainResponse(columns=["a", "a_b"], feature_names=["a_b_c", "a_x", "a_b_c"])
        msg.rows.add(prediction=1.0, base_value=0.25, contributions=[0.5, 0.25], feature_contributions=[0.125, 0.375, 0.25])
        row = grove_client.client.Explanation(msg).rows[0]
        self.assertEqual(row["contributions"], {"a": 0.5, "a_b": 0.25})
        self.assertEqual(row["feature_contributions"], {"a_b_c": 0.375, "a_x": 0.375})


class GeneratedCodeTest(unittest.TestCase):
    def test_generated_python_code_is_current(self):
        if shutil.which("protoc") is None:
            self.skipTest("protoc is not installed (apt-get install protobuf-compiler)")
        out = tempfile.mkdtemp()
        try:
            subprocess.run([os.path.join(ROOT, "scripts", "gen-python.sh"), out], check=True)
            for rel in ["grove/v1/grove_pb2.py"]:
                with open(os.path.join(out, rel)) as a, open(os.path.join(ROOT, "clients/python/grove_client/_proto", rel)) as b:
                    self.assertEqual(a.read(), b.read(), f"{rel} is stale: run `make python-proto`")
        finally:
            shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main()
