"""The Grove client: connections, failover, deadlines and every call of protocol v1."""

import math
import socket
import struct
import threading
import time

from ._proto.grove.v1 import grove_pb2 as pb

# Largest response frame accepted (the server's own default maximum is 4 MiB for requests).
MAX_FRAME_BYTES = 256 * 1024 * 1024


class GroveError(Exception):
    """A failed call: `code` is gRPC's status name (e.g. "NOT_FOUND"), `message` says why."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Prediction:
    """The answer to predict(): which version answered, and per-row outputs."""

    def __init__(self, msg):
        self.model = msg.model
        self.version = msg.version
        self.rows = msg.rows
        self.num_classes = msg.num_classes
        k = msg.num_classes
        probs = list(msg.probabilities)
        #: classification: one list of class probabilities per row (empty with labels_only)
        self.probabilities = [probs[r * k:(r + 1) * k] for r in range(msg.rows)] if k and probs else []
        #: classification: the predicted class index per row
        self.class_index = list(msg.class_index)
        #: regression: the predicted value per row
        self.values = list(msg.values)
        #: what the server filled in: one Note per (row, column), in row order; empty when nothing was
        self.notes = [Note(n) for n in msg.notes]


class Note:
    """One input the server filled in: `kind` is "MISSING", "ABSENT" or "UNSEEN_CATEGORY"."""

    def __init__(self, msg):
        self.row = msg.row
        self.column = msg.column
        self.kind = pb.InputNote.Kind.Name(msg.kind)
        #: the category sent, for UNSEEN_CATEGORY
        self.value = msg.value

    def __repr__(self):
        return f"Note(row={self.row}, column={self.column!r}, kind={self.kind}, value={self.value!r})"


def _text(value):
    """Client text travels in `bytes` fields as UTF-8 (the server refuses a NUL byte in it)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


class Explanation:
    """The answer to explain(): which version answered, and per row the prediction,
    base value, contributions per input column and reason codes."""

    def __init__(self, msg):
        self.model = msg.model
        self.version = msg.version
        #: the class explained ("" for regression) and the scale ("probability", "value" or "margin")
        self.explained_class = msg.explained_class
        self.scale = msg.scale
        self.rows = []
        for r in msg.rows:
            self.rows.append({
                "prediction": r.prediction,
                "base_value": r.base_value,
                "contributions": _by_name(msg.columns, r.contributions),
                "feature_contributions": _by_name(msg.feature_names, r.feature_contributions),
                "reasons": [{"column": x.column, "contribution": x.contribution, "value": x.value,
                             "code": x.code, "text": x.text} for x in r.reasons],
            })


def _by_name(names, values):
    """Contributions keyed by name. Names that repeat (encoded features of a model learned
    before training refused such names, or imported) have their contributions summed, as
    `grove call --json` does: none is lost, and the values still add up to the prediction."""
    out = {}
    for name, value in zip(names, values):
        out[name] = out.get(name, 0.0) + value
    return out


def _selector(model):
    """NAME, NAME@VERSION or NAME:LABEL -> ModelSelector."""
    sel = pb.ModelSelector()
    if "@" in model:
        name, version = model.split("@", 1)
        sel.name, sel.version = _text(name), int(version)
    elif ":" in model:
        name, label = model.split(":", 1)
        sel.name, sel.label = _text(name), _text(label)
    else:
        sel.name = _text(model)
    return sel


def _flatten(dense):
    """A flat list of floats from a flat list or a list of rows (None: empty)."""
    flat = []
    for row in dense or []:
        if isinstance(row, (list, tuple)):
            flat.extend(float(x) for x in row)
        else:
            flat.append(float(row))
    return flat


def _record(fields):
    """A dict {column: value} -> Record; None or NaN is missing."""
    rec = pb.Record()
    for name, value in fields.items():
        f = rec.fields.add()
        f.name = _text(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            f.missing = True
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            f.number = float(value)
        else:
            f.text = _text(value)
    return rec


def _fill_rows(message, model, dense, records):
    """The model selector and the rows (dense values or raw records) of a Predict or Explain request."""
    message.model.CopyFrom(_selector(model))
    message.dense.extend(_flatten(dense))
    for rec in records or []:
        message.records.append(_record(rec))


class _Connection:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        #: bytes read from the server so far (a failed call is retried only if none of its answer came)
        self.received = 0
        self.open = True

    def close(self):
        self.open = False
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, frames, deadline):
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        self.sock.sendall(frames)

    def receive(self, deadline):
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if n == 0 or n > MAX_FRAME_BYTES:
                    raise GroveError("INTERNAL", f"bad frame length {n} from the server")
                if len(self.buf) >= 4 + n:
                    body = bytes(self.buf[4:4 + n])
                    del self.buf[:4 + n]
                    resp = pb.Response()
                    resp.ParseFromString(body)
                    return resp
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.received += len(chunk)
            self.buf += chunk


FIRST_AVAILABLE = "first_available"
ROUND_ROBIN = "round_robin"
LEAST_OUTSTANDING = "least_outstanding"


class _Balancer:
    """Which endpoint takes the next call; ejection with a doubling backoff; Health probes.

    The same decisions as the Swift client's EndpointBalancer: healthy endpoints take calls by
    the policy; one whose connection failed is ejected for a backoff (doubling up to the
    maximum), then probed once with Health and back in rotation only when SERVING.
    """

    def __init__(self, n, policy, initial_backoff, max_backoff):
        if policy not in (FIRST_AVAILABLE, ROUND_ROBIN, LEAST_OUTSTANDING):
            raise ValueError(f"unknown balancing policy {policy!r}")
        self.policy = policy
        self.initial = initial_backoff
        self.max = max(max_backoff, initial_backoff)
        self.state = ["healthy"] * n          # "healthy" | "probing" | retry time (float)
        self.backoff = [initial_backoff] * n
        self.outstanding = [0] * n
        self.rotation = 0

    def choose(self, now, avoiding=None):
        for i, s in enumerate(self.state):
            if not isinstance(s, str) and s <= now:
                self.state[i] = "probing"
                return ("probe", i)
        candidates = [i for i, s in enumerate(self.state) if s == "healthy"]
        if avoiding is not None:
            candidates = [i for i in candidates if i != avoiding] or [avoiding]
        if not candidates:
            waits = [s for s in self.state if not isinstance(s, str)]
            return ("wait", min(waits) if waits else now + self.initial)
        if self.policy == FIRST_AVAILABLE:
            pick = candidates[0]
        else:
            if self.policy == LEAST_OUTSTANDING:
                fewest = min(self.outstanding[i] for i in candidates)
                candidates = [i for i in candidates if self.outstanding[i] == fewest]
            pick = next((i for i in candidates if i >= self.rotation), candidates[0])
            self.rotation = pick + 1
        self.outstanding[pick] += 1
        return ("use", pick)

    def finished(self, i, failed, now):
        self.outstanding[i] -= 1
        if failed:
            self._eject(i, now)
        elif self.state[i] == "healthy":
            self.backoff[i] = self.initial

    def probe_finished(self, i, serving, now):
        if serving:
            self.state[i] = "healthy"
            self.backoff[i] = self.initial
        else:
            self._eject(i, now)

    def _eject(self, i, now):
        if not isinstance(self.state[i], str):
            return
        self.state[i] = now + self.backoff[i]
        self.backoff[i] = min(self.backoff[i] * 2, self.max)


class Client:
    """A client for one or more Grove servers, with the Swift client's guarantees.

    endpoints: "HOST:PORT" strings. timeout: default deadline per call in seconds (it covers
    connecting and the retry, and the time left is sent to the server as timeout_micros, so a
    call that waited past it in the server's queue is dropped there, DEADLINE_EXCEEDED).
    balancing: FIRST_AVAILABLE (in list order), ROUND_ROBIN or LEAST_OUTSTANDING over the
    healthy endpoints. An endpoint whose connection fails is ejected for a backoff (doubling
    from 50 ms to 5 s), then probed with Health and used again only when SERVING. A call whose
    connection broke before any byte of its answer arrived is sent once more, to another
    endpoint when there is one (every call of this client is idempotent). Thread-safe: calls
    from several threads use separate connections.
    """

    def __init__(self, endpoints, timeout=5.0, api_key="", connect_timeout=2.0, balancing=FIRST_AVAILABLE,
                 probe_timeout=1.0, initial_backoff=0.05, max_backoff=5.0):
        if isinstance(endpoints, str):
            endpoints = [endpoints]
        if not endpoints:
            raise ValueError("no endpoints given")
        self.endpoints = []
        for e in endpoints:
            host, _, port = e.rpartition(":")
            self.endpoints.append((host.strip("[]") or "127.0.0.1", int(port)))
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.probe_timeout = probe_timeout
        self.api_key = api_key
        self._lock = threading.Lock()
        self._balancer = _Balancer(len(self.endpoints), balancing, initial_backoff, max_backoff)
        self._idle = [[] for _ in self.endpoints]
        self._next_id = 1
        #: what the client did: calls, retries, ejections, probes, probes that found SERVING
        self.counters = {"calls": 0, "retries": 0, "ejections": 0, "probes": 0, "probes_serving": 0}

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, [[] for _ in self.endpoints]
        for pool in idle:
            for c in pool:
                c.close()

    def is_healthy(self, i):
        """Whether endpoint i currently takes calls."""
        with self._lock:
            return self._balancer.state[i] == "healthy"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # ------------------------------------------------------------------ calls

    def health(self, timeout=None):
        return self._call(lambda r: r.health.SetInParent(), "health", timeout)

    def list_models(self, timeout=None):
        return list(self._call(lambda r: r.list_models.SetInParent(), "list_models", timeout).models)

    def model_info(self, model, timeout=None):
        return self._call(lambda r: r.model_info.model.CopyFrom(_selector(model)), "model_info", timeout)

    def predict(self, model, dense=None, records=None, labels_only=False, timeout=None, strict=False):
        """Scores `dense` encoded rows (a flat list, or a list of rows) or raw `records` (dicts).

        The answer's `notes` say what the server filled in; strict=True refuses such rows
        (GroveError INVALID_ARGUMENT naming them) instead."""
        return Prediction(self._call(lambda r: self._fill_predict(r, model, dense, records, labels_only, strict), "predict", timeout))

    def explain(self, model, dense=None, records=None, top_k=0, encoded_features=False, class_label="", timeout=None):
        """Exact SHAP values and reason codes (top_k per row, 0 = 4) for `dense` rows or raw `records`."""
        def build(r):
            e = r.explain
            _fill_rows(e, model, dense, records)
            e.top_k = top_k
            e.contributions = True
            e.encoded_features = encoded_features
            e.class_label = _text(class_label)
        return Explanation(self._call(build, "explain", timeout))

    def stats(self, timeout=None):
        return self._call(lambda r: r.stats.SetInParent(), "stats", timeout)

    def pipeline(self, builders, timeout=None):
        """Sends many calls at once; returns each result or GroveError, in order.

        builders: functions that fill a Request (e.g. Client.predict_call("m", records=[...])).
        """
        requests = []
        for build in builders:
            r = pb.Request(id=self._take_id(), api_key=_text(self.api_key))
            build(r)
            requests.append(r)
        responses = self._exchange(requests, timeout)
        out = []
        for resp in responses:
            if resp.status.code != pb.Status.OK:
                out.append(GroveError(pb.Status.Code.Name(resp.status.code), resp.status.message))
            else:
                out.append(getattr(resp, resp.WhichOneof("result")))
        return out

    @staticmethod
    def predict_call(model, dense=None, records=None, labels_only=False, strict=False):
        return lambda r: Client._fill_predict(r, model, dense, records, labels_only, strict)

    # --------------------------------------------------------------- internals

    @staticmethod
    def _fill_predict(r, model, dense, records, labels_only, strict=False):
        p = r.predict
        _fill_rows(p, model, dense, records)
        p.labels_only = labels_only
        p.strict = strict

    def _take_id(self):
        with self._lock:
            i = self._next_id
            self._next_id += 1
            return i

    def _call(self, build, field, timeout):
        r = pb.Request(id=self._take_id(), api_key=_text(self.api_key))
        build(r)
        (resp,) = self._exchange([r], timeout)
        if resp.status.code != pb.Status.OK:
            raise GroveError(pb.Status.Code.Name(resp.status.code), resp.status.message)
        if resp.WhichOneof("result") != field:
            raise GroveError("INTERNAL", f"the answer is not a {field} result")
        return getattr(resp, field)

    def _exchange(self, requests, timeout):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        retried, failure, avoiding = False, None, None
        with self._lock:
            self.counters["calls"] += 1
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise GroveError("DEADLINE_EXCEEDED", "the call did not complete in time")
            with self._lock:
                kind, i = self._balancer.choose(now, avoiding)
            avoiding = None
            if kind == "wait":
                if failure:
                    raise failure
                if i >= deadline:
                    raise GroveError("UNAVAILABLE", "every endpoint is down (backing off)")
                time.sleep(max(0.0, i - now))
                continue
            if kind == "probe":
                serving = self._probe(i, deadline)
                with self._lock:
                    self.counters["probes"] += 1
                    self.counters["probes_serving"] += serving
                    self._balancer.probe_finished(i, serving, time.monotonic())
                continue
            try:
                # The retry takes a new connection, never a pooled one: another thread may have
                # pooled a connection a load balancer routed to the same restarting server.
                conn = self._take(i, deadline, fresh=retried)
            except socket.timeout:
                self._end(i, True)
                raise GroveError("DEADLINE_EXCEEDED", "the call did not complete in time")
            except OSError as e:
                self._end(i, True)
                failure = GroveError("UNAVAILABLE", f"{self.endpoints[i][0]}:{self.endpoints[i][1]}: {e}")
                continue
            budget = max(1, int((deadline - time.monotonic()) * 1e6))
            for r in requests:
                r.timeout_micros = budget
            frames = b"".join(struct.pack(">I", len(b)) + b for b in (r.SerializeToString() for r in requests))
            before = conn.received
            try:
                conn.send(frames, deadline)
                responses = [conn.receive(deadline) for _ in requests]
            except socket.timeout:
                conn.close()
                self._end(i, False)
                raise GroveError("DEADLINE_EXCEEDED", "the call did not complete in time")
            except GroveError:
                conn.close()
                self._end(i, False)
                raise
            except (OSError, ConnectionError) as e:
                conn.close()
                self._end(i, True)
                error = GroveError("UNAVAILABLE", f"{self.endpoints[i][0]}:{self.endpoints[i][1]}: {e}")
                if retried or conn.received != before:
                    raise error
                retried, failure, avoiding = True, error, i
                with self._lock:
                    self.counters["retries"] += 1
                continue
            for req, resp in zip(requests, responses):
                if resp.id != req.id:
                    conn.close()
                    self._end(i, False)
                    raise GroveError("INTERNAL", f"answer for id {resp.id} while waiting for {req.id}")
            with self._lock:
                self._idle[i].append(conn)
                self._balancer.finished(i, False, time.monotonic())
            return responses

    def _take(self, i, deadline, fresh=False):
        """An idle connection to endpoint i, or a new one (always a new one when fresh)."""
        with self._lock:
            while not fresh and self._idle[i]:
                c = self._idle[i].pop()
                if c.open:
                    return c
        host, port = self.endpoints[i]
        return _Connection(host, port, min(self.connect_timeout, max(deadline - time.monotonic(), 0.001)))

    def _probe(self, i, deadline):
        """Health on a fresh connection to endpoint i: True when SERVING (the connection is kept)."""
        probe_deadline = min(deadline, time.monotonic() + self.probe_timeout)
        try:
            host, port = self.endpoints[i]
            conn = _Connection(host, port, max(probe_deadline - time.monotonic(), 0.001))
            r = pb.Request(id=self._take_id(), api_key=_text(self.api_key))
            r.health.SetInParent()
            conn.send(struct.pack(">I", r.ByteSize()) + r.SerializeToString(), probe_deadline)
            resp = conn.receive(probe_deadline)
        except (OSError, ConnectionError, GroveError):
            return False
        if resp.WhichOneof("result") != "health" or resp.health.status != pb.HealthResponse.SERVING:
            conn.close()
            return False
        with self._lock:
            self._idle[i].append(conn)
        return True

    def _end(self, i, failed):
        with self._lock:
            if failed and self._balancer.state[i] == "healthy":
                self.counters["ejections"] += 1
            self._balancer.finished(i, failed, time.monotonic())
            if failed:
                for c in self._idle[i]:
                    c.close()
                self._idle[i] = []
