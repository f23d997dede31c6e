#!/usr/bin/env python3
"""GET /me and POST /login under wrk on loopback: local-api (bench profile, in-memory
store) beside the FastAPI + PyJWT + argon2-cffi peer, same routes, same key,
same argon2 parameters, in the same run. Each server is pinned to CPU 1, wrk to
CPU 0; each figure is the median of REPEATS runs.

usage: throughput.py LOCAL_API_BINARY SECONDS REPEATS OUT.json
Needs JWT_SIGNING_KEY, JWT_VERIFY_KEYS and JWT_SIGNING_KID in the environment.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BINARY, SECONDS, REPEATS, OUT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ADA = {"email": "ada@example.com", "password": "correct horse battery staple"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def post(url, body):
    request = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def to_ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, connections, script=None, headers=()):
    command = ["taskset", "-c", "0", "wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} failed responses\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": to_ms(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1)),
        "p99_ms": to_ms(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1)),
    }


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def measure(base, token):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write('wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\n'
                  f"wrk.body = '{json.dumps(ADA)}'\n")
    me = median_of([wrk(f"{base}/me", 16, headers=[f"authorization: Bearer {token}"]) for _ in range(REPEATS)])
    # argon2id is ~25 ms of CPU per login: a few connections saturate one core.
    login = median_of([wrk(f"{base}/login", 4, script=lua.name) for _ in range(REPEATS)])
    os.unlink(lua.name)
    return {"me": me, "login": login}


def serve(command, port, env):
    # Both servers keep their store in memory, whatever the caller's shell points at.
    base = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT", "TABLE_NAME")}
    process = subprocess.Popen(["taskset", "-c", "1"] + command, env=dict(base, **env),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(port)
    return process


results = {}
port = free_port()
rust = serve([BINARY, "--port", str(port)], port, {})
try:
    post(f"http://127.0.0.1:{port}/signup", dict(ADA, name="Ada"))
    token = post(f"http://127.0.0.1:{port}/login", ADA)["access_token"]
    results["rust"] = measure(f"http://127.0.0.1:{port}", token)
finally:
    rust.kill()
print(f"local-api: {results['rust']}", file=sys.stderr)

port = free_port()
python = serve([".venv-bench/bin/uvicorn", "bench.peers.fastapi_app:app", "--port", str(port), "--log-level", "warning",
                "--workers", "1"], port, {"PEER_STORE": "memory", "PYTHONPATH": os.getcwd()})
try:
    token = post(f"http://127.0.0.1:{port}/login", ADA)["access_token"]
    results["python"] = measure(f"http://127.0.0.1:{port}", token)
finally:
    python.kill()
print(f"fastapi: {results['python']}", file=sys.stderr)

open(OUT, "w").write(json.dumps(results, indent=2))
