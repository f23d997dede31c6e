#!/usr/bin/env python3
"""The authorizer against the runtime users pick instead: its x86_64 binary,
a hello-world `lambda_runtime` binary (the floor of any Rust init), and the
Node peer (bench/peers/node: aws-jwt-verify's JwtRsaVerifier, JWKS loaded at
init, in a minimal Runtime API loop). One run, cold starts alternating
between the three, each serving the same HTTP API allow event once cold and
then WARM times warm; the same stub (bench/lambda_stub.py).

usage: authorizer_peers.py BIN_DIR RUNS WARM OUT.json   (the peer's npm packages in bench/peers/node/node_modules)
"""
import json
import pathlib
import statistics
import sys

import lambda_stub

BIN_DIR, RUNS, WARM, OUT = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
EVENT = pathlib.Path("events/authorizer/http-v2.allow.json").read_bytes()
PEERS = {
    "rust": [str(BIN_DIR / "authorizer")],
    "hello": [str(BIN_DIR / "examples" / "hello_runtime")],
    "node": ["node", "bench/peers/node/authorizer.mjs"],
}

runs = {name: [] for name in PEERS}
for _ in range(RUNS):
    for name, command in PEERS.items():
        result = lambda_stub.run(command, {}, [EVENT] * (WARM + 1), f"peer-{name}", timeout=120.0)
        if name != "hello":
            assert result["responses"][0].get("isAuthorized") is True, f"{name}: {result['responses'][0]}"
        runs[name].append(result)

results = {}
for name, rs in runs.items():
    warm = [e for r in rs for e in r["event_ms"][1:]]
    results[name] = {
        "init_ms": statistics.median(r["init_ms"] for r in rs),
        "first_event_ms": statistics.median(r["first_event_ms"] for r in rs),
        "warm_event_ms": statistics.median(warm),
        "peak_rss_kib": statistics.median(r["peak_rss_kib"] for r in rs),
        # The process's whole CPU (init included) over its events: what a warm event costs beyond the wait.
        "cpu_ms_per_event": statistics.median(r["cpu_ms"] / len(r["event_ms"]) for r in rs),
        "runs": RUNS,
        "warm_events": WARM,
    }
    print(f"{name}: {results[name]}", file=sys.stderr)
pathlib.Path(OUT).write_text(json.dumps(results, indent=2))
