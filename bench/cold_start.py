#!/usr/bin/env python3
"""Cold starts, first events and peak RSS of every function's x86_64 binary
under the Runtime API stub, beside the Python peer (FastAPI + Mangum on the AWS
Lambda Python runtime client) doing the same work, in the same run.

usage: cold_start.py BIN_DIR RUNS OUT.json   (DYNAMODB_ENDPOINT must be set)
Each run starts from a freshly seeded table, so every cold start meets the
same state. Settings come from the environment (the signing key and JWKS).
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import lambda_stub  # noqa: E402

BIN_DIR, RUNS, OUT = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ENDPOINT = os.environ["DYNAMODB_ENDPOINT"]
# The first event of each cold start: a success on the function's main path.
FIRST = {
    "authorizer": "http-v2.allow.json",
    "jwks": "get.200.json",
    "me": "bearer-token.200.json",
    "logout": "local.204.json",
    "refresh": "json.200.json",
    "login": "json.200.json",
    "signup": "created.201.json",
}


def events(function):
    files = sorted(pathlib.Path("events", function).glob("*.json"))
    first = [f for f in files if f.name == FIRST[function]]
    return [f.read_bytes() for f in first + [f for f in files if f.name != FIRST[function]]]


def fresh_table():
    table = f"bench-{uuid.uuid4().hex[:12]}"
    subprocess.run([str(BIN_DIR / "seed"), "--dynamodb-endpoint", ENDPOINT, "--table", table, "--samples"],
                   check=True, capture_output=True)
    return table


def measure(name, command, env_for_run, payloads):
    runs = []
    for _ in range(RUNS):
        env = dict(env_for_run(), TABLE_NAME=fresh_table(), DYNAMODB_ENDPOINT=ENDPOINT)
        runs.append(lambda_stub.run(command, env, payloads, name))
    return {
        "init_ms": statistics.median(r["init_ms"] for r in runs),
        "first_event_ms": statistics.median(r["first_event_ms"] for r in runs),
        "warm_event_ms": statistics.median(e for r in runs for e in r["event_ms"][1:]) if len(payloads) > 1 else None,
        "peak_rss_kib": max(r["peak_rss_kib"] or 0 for r in runs),
        "events": len(payloads),
        "runs": RUNS,
        "first_status": runs[0]["responses"][0].get("statusCode", runs[0]["responses"][0].get("isAuthorized")),
    }


results = {"rust": {}, "python": {}}
for function in FIRST:
    results["rust"][function] = measure(function, [str(BIN_DIR / function)], dict, events(function))
    print(f"{function}: {results['rust'][function]}", file=sys.stderr)

python = [str(pathlib.Path(".venv-bench/bin/python")), "-m", "awslambdaric", "bench.peers.fastapi_app.handler"]
for function in ["me", "login"]:
    first = pathlib.Path("events", function, FIRST[function]).read_bytes()
    results["python"][function] = measure(
        f"python-{function}", python, lambda: {"PEER_STORE": "dynamodb", "PYTHONPATH": os.getcwd()}, [first] * 5)
    print(f"python {function}: {results['python'][function]}", file=sys.stderr)

pathlib.Path(OUT).write_text(json.dumps(results, indent=2))
