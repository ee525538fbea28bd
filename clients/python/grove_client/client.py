"""The Grove client: connections, failover, deadlines and every call of protocol v1."""

import math
import socket
import struct
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
                "contributions": dict(zip(msg.columns, r.contributions)),
                "feature_contributions": dict(zip(msg.feature_names, r.feature_contributions)),
                "reasons": [{"column": x.column, "contribution": x.contribution, "value": x.value,
                             "code": x.code, "text": x.text} for x in r.reasons],
            })


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


class _Connection:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
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
            self.buf += chunk


class Client:
    """A client for one or more Grove servers (failover in order, reconnect with backoff).

    endpoints: "HOST:PORT" strings. timeout: default deadline per call in seconds.
    Not thread-safe: use one client per thread.
    """

    def __init__(self, endpoints, timeout=5.0, api_key="", connect_timeout=2.0):
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
        self.api_key = api_key
        self._conn = None
        self._current = 0
        self._next_id = 1
        self._retry_after = [0.0] * len(self.endpoints)
        self._backoff = [0.05] * len(self.endpoints)

    def close(self):
        if self._conn:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

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
            e.model.CopyFrom(_selector(model))
            e.dense.extend(_flatten(dense))
            for rec in records or []:
                e.records.append(_record(rec))
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
        p.model.CopyFrom(_selector(model))
        p.dense.extend(_flatten(dense))
        for rec in records or []:
            p.records.append(_record(rec))
        p.labels_only = labels_only
        p.strict = strict

    def _take_id(self):
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
        frames = b"".join(struct.pack(">I", len(b)) + b for b in (r.SerializeToString() for r in requests))
        last = "no endpoint reachable"
        for _ in range(2 * len(self.endpoints)):
            if time.monotonic() >= deadline:
                raise GroveError("DEADLINE_EXCEEDED", "the call did not complete in time")
            try:
                conn = self._connection(deadline)
                conn.send(frames, deadline)
                responses = [conn.receive(deadline) for _ in requests]
            except socket.timeout:
                self.close()
                raise GroveError("DEADLINE_EXCEEDED", "the call did not complete in time")
            except (OSError, ConnectionError) as e:
                last = str(e)
                self.close()
                self._failed(self._current)
                self._current = (self._current + 1) % len(self.endpoints)
                continue
            for req, resp in zip(requests, responses):
                if resp.id != req.id:
                    self.close()
                    raise GroveError("INTERNAL", f"answer for id {resp.id} while waiting for {req.id}")
            self._backoff[self._current] = 0.05
            self._retry_after[self._current] = 0.0
            return responses
        raise GroveError("UNAVAILABLE", last)

    def _connection(self, deadline):
        if self._conn:
            return self._conn
        now = time.monotonic()
        n = len(self.endpoints)
        order = [(self._current + k) % n for k in range(n)]
        ready = [i for i in order if self._retry_after[i] <= now] or [min(order, key=lambda i: self._retry_after[i])]
        err = None
        for i in ready:
            host, port = self.endpoints[i]
            try:
                self._conn = _Connection(host, port, min(self.connect_timeout, max(deadline - now, 0.001)))
                self._current = i
                return self._conn
            except OSError as e:
                err = e
                self._failed(i)
        raise err or ConnectionError("no endpoint reachable")

    def _failed(self, i):
        self._retry_after[i] = time.monotonic() + self._backoff[i]
        self._backoff[i] = min(self._backoff[i] * 2, 5.0)
