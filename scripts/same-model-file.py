#!/usr/bin/env python3
"""Two model.grove files, byte for byte, apart from when they were made.

Compares the sealed files field by field at the top level of the ModelFile message, skipping only
created_unix_micros (field 4) and so, necessarily, the seal's digest (bytes 8..40) and the length
prefixes around the payload; every other byte (parameters, metrics, preprocessing, every tree,
calibration, reliability, the signature) must be identical. Exit status 1 if they differ.

Usage: scripts/same-model-file.py OLD.grove NEW.grove
"""
import sys

MAGIC = b"GROVEMF\x01"
HEADER = 40  # magic (8) + SHA-256 of the rest (32)


def varint(b, i):
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return v, i


def fields(b):
    """(field number, the field's bytes with its tag) of each top-level field, in order."""
    i, out = 0, []
    while i < len(b):
        start = i
        key, i = varint(b, i)
        wire = key & 7
        if wire == 0:
            _, i = varint(b, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = varint(b, i)
            i += n
        else:
            sys.exit(f"unexpected wire type {wire}")
        out.append((key >> 3, b[start:i]))
    return out


def parts(path):
    b = open(path, "rb").read()
    if b[:8] != MAGIC:
        sys.exit(f"{path}: not a sealed Grove model file")
    seal = fields(b[HEADER:])
    if not seal or seal[0][0] != 1:
        sys.exit(f"{path}: the seal holds no model")
    raw = seal[0][1]
    _, i = varint(raw, 0)   # tag
    _, i = varint(raw, i)   # payload length
    model = [f for f in fields(raw[i:]) if f[0] != 4]
    return model, seal[1:]


old, new = parts(sys.argv[1]), parts(sys.argv[2])
if old == new:
    print("same model file (apart from created_unix_micros)")
    sys.exit(0)
diff = sorted({n for n, _ in old[0]} ^ {n for n, _ in new[0]} | {a[0] for a, b in zip(old[0], new[0]) if a != b})
print(f"model files DIFFER in fields {diff}" if diff else "model files DIFFER (signature)")
sys.exit(1)
