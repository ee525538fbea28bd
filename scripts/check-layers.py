#!/usr/bin/env python3
"""check-layers: fails if a target's dependency closure reaches a layer it must not.

Reads `swift package describe --type json` (given on stdin) and walks each checked
target's target and product dependencies. The rules are the layering in Package.swift:
the client library links the wire format and the syscall seam only, never the ML engine,
the server, the model store or cryptography; the wire format knows nothing of the forest.
"""
import json
import sys

FORBIDDEN = {
    # target: names that must not appear in its closure (targets or products)
    "GroveClient": {"GroveForest", "GroveServer", "GroveModelStore", "Crypto", "_CryptoExtras"},
    "GroveWire": {"GroveForest", "GroveServer", "GroveModelStore", "GroveClient", "Crypto"},
    "GroveSystem": {"GroveWire", "GroveForest", "GroveServer", "GroveModelStore", "GroveClient", "Crypto"},
    "GroveForest": {"GroveWire", "GroveServer", "GroveModelStore", "GroveClient", "Crypto"},
    "GroveModelStore": {"GroveServer", "GroveClient"},
    "GroveONNX": {"GroveServer", "GroveClient", "GroveModelStore"},
}


def closure(targets, name):
    seen, stack = set(), [name]
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        info = targets.get(t)
        if info is None:
            continue  # a product of another package: a leaf here
        stack.extend(info.get("target_dependencies", []))
        stack.extend(info.get("product_dependencies", []))
    return seen


def main():
    package = json.load(sys.stdin)
    targets = {t["name"]: t for t in package["targets"]}
    failures = []
    for name, forbidden in FORBIDDEN.items():
        if name not in targets:
            failures.append(f"{name}: no such target in Package.swift")
            continue
        bad = sorted(closure(targets, name) & forbidden)
        if bad:
            failures.append(f"{name} depends (transitively) on {', '.join(bad)}")
    client = next((p for p in package["products"] if p["name"] == "GroveClient"), None)
    if client is None:
        failures.append("no GroveClient product")
    for f in failures:
        print(f"check-layers: {f}", file=sys.stderr)
    if failures:
        return 1
    print("check-layers: ok (" + ", ".join(f"{n} {len(closure(targets, n))} modules" for n in FORBIDDEN) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
