"""Grove client for Python: the same calls as the Swift client, over Grove's framed protobuf protocol.

    from grove_client import Client
    c = Client(["127.0.0.1:7070"])
    c.health()
    c.predict("german_credit", records=[{"age_in_years": 35, "housing": "own"}])
    c.explain("german_credit", records=[{"age_in_years": 22, "housing": "rent"}], top_k=4)

Frames are a 4-byte big-endian length and one protobuf message (proto/grove/v1/grove.proto).
Several endpoints are balanced (balancing=FIRST_AVAILABLE, ROUND_ROBIN or LEAST_OUTSTANDING),
failed ones ejected and probed back with Health; a call whose connection broke before any byte
of its answer arrived is retried once; each call's remaining deadline travels with it.
Errors from the server raise GroveError with gRPC's status code name and the server's message.
"""

from .client import FIRST_AVAILABLE, LEAST_OUTSTANDING, ROUND_ROBIN, Client, Explanation, GroveError, Prediction

__all__ = ["Client", "Explanation", "GroveError", "Prediction", "FIRST_AVAILABLE", "ROUND_ROBIN", "LEAST_OUTSTANDING"]
