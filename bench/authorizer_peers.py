#!/usr/bin/env python3
"""The authorizer against the runtime users pick instead: its x86_64 binary,
a hello-world `lambda_runtime` binary (the floor of any Rust init), and the
Node peer (bench/peers/node: aws-jwt-verify's JwtRsaVerifier, JWKS loaded at
init, in a minimal Runtime API loop). One run, cold starts alternating
between the three, each serving the same HTTP API allow event once cold and
then WARM times warm; the same stub (bench/lambda_stub.py). Then COLD more
cold starts of each, alternating, serving the event once: an init takes a
few milliseconds here, so a ratio of two inits needs more starts than the
warm figures do. Each round's ratio of two inits is taken in the same round,
and their median is the paired ratio.

usage: authorizer_peers.py BIN_DIR RUNS WARM COLD OUT.json   (the peer's npm packages in bench/peers/node/node_modules)
"""
import json
import pathlib
import statistics
import sys

import lambda_stub

BIN_DIR, RUNS, WARM, COLD, OUT = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
EVENT = pathlib.Path("events/authorizer/http-v2.allow.json").read_bytes()
PEERS = {
    "rust": [str(BIN_DIR / "authorizer")],
    "hello": [str(BIN_DIR / "examples" / "hello_runtime")],
    "node": ["node", "bench/peers/node/authorizer.mjs"],
}


def serve(name, command, events):
    result = lambda_stub.run(command, {}, [EVENT] * events, f"peer-{name}", timeout=120.0)
    if name != "hello":
        assert result["responses"][0].get("isAuthorized") is True, f"{name}: {result['responses'][0]}"
    return result


runs = {name: [] for name in PEERS}
for _ in range(RUNS):
    for name, command in PEERS.items():
        runs[name].append(serve(name, command, WARM + 1))
# Every cold start, the warm runs' first.
starts = {name: list(rs) for name, rs in runs.items()}
for _ in range(COLD):
    for name, command in PEERS.items():
        starts[name].append(serve(name, command, 1))


def paired(numerator, denominator, key):
    return statistics.median(a[key] / b[key] for a, b in zip(starts[numerator], starts[denominator]))


results = {}
for name, rs in runs.items():
    warm = [e for r in rs for e in r["event_ms"][1:]]
    results[name] = {
        "init_ms": statistics.median(r["init_ms"] for r in starts[name]),
        "first_event_ms": statistics.median(r["first_event_ms"] for r in starts[name]),
        "warm_event_ms": statistics.median(warm),
        "peak_rss_kib": statistics.median(r["peak_rss_kib"] for r in rs),
        # The process's whole CPU (init included) over its events: what a warm event costs beyond the wait.
        "cpu_ms_per_event": statistics.median(r["cpu_ms"] / len(r["event_ms"]) for r in rs),
        "runs": RUNS,
        "warm_events": WARM,
        "cold_starts": len(starts[name]),
    }
    print(f"{name}: {results[name]}", file=sys.stderr)
results["paired"] = {
    "init, authorizer over hello-world": paired("rust", "hello", "init_ms"),
    "init, Node over authorizer": paired("node", "rust", "init_ms"),
    "first event, Node over authorizer": paired("node", "rust", "first_event_ms"),
}
print(f"paired: {results['paired']}", file=sys.stderr)
pathlib.Path(OUT).write_text(json.dumps(results, indent=2))
