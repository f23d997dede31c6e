#!/usr/bin/env python3
"""Where a warm authorizer event's CPU goes, through the real runtime loop
(`lambda_runtime` polling bench/lambda_stub.py over loopback HTTP).

Per-event CPU (the process's user + system time over EVENTS warm events, a
run's cold start included) of the authorizer on an allow, a deny without a
token and a deny of a forged token (alg none), beside the hello-world
`lambda_runtime` binary on the current-thread runtime the functions use and
on tokio's default multi-thread one. Runs alternate; the function is pinned
to CPU 1 and the stub to CPU 0, as far as the machine has them. Then, if
`perf` can record here, a profile of the allow loop (cpu-clock samples for
2 s), its samples grouped by what they are.

usage: warm_loop.py BIN_DIR RUNS EVENTS OUT.json
"""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import lambda_stub

BIN_DIR, RUNS, EVENTS, OUT = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
EVENT_DIR = pathlib.Path("events/authorizer")
ALLOW = (EVENT_DIR / "http-v2.allow.json").read_bytes()
CASES = {
    "authorizer, allow": (BIN_DIR / "authorizer", ALLOW),
    "authorizer, deny: no token": (BIN_DIR / "authorizer", (EVENT_DIR / "http-v2-no-token.deny.json").read_bytes()),
    "authorizer, deny: forged token": (BIN_DIR / "authorizer", (EVENT_DIR / "http-v2-alg-none.deny.json").read_bytes()),
    "hello-world, current-thread runtime": (BIN_DIR / "examples" / "hello_runtime", ALLOW),
    "hello-world, multi-thread runtime": (BIN_DIR / "examples" / "hello_runtime_threaded", ALLOW),
}
PINNED = len(os.sched_getaffinity(0)) >= 2
if PINNED:
    os.sched_setaffinity(0, {0})


def command(binary):
    return ["taskset", "-c", "1", str(binary)] if PINNED and shutil.which("taskset") else [str(binary)]


def measure():
    runs = {name: [] for name in CASES}
    for _ in range(RUNS):
        for name, (binary, event) in CASES.items():
            r = lambda_stub.run(command(binary), {}, [event] * (EVENTS + 1), "warm-loop", timeout=300.0)
            served = len(r["event_ms"])
            runs[name].append({"cpu_us": r["cpu_ms"] / served * 1000, "user_us": r["cpu_user_ms"] / served * 1000,
                               "warm_us": statistics.median(r["event_ms"][1:]) * 1000})
    cases = {name: {key: statistics.median(run[key] for run in rs) for key in rs[0]} for name, rs in runs.items()}
    # The dearer deny over the allow of the same round: drift across the run cancels.
    allow, denies = runs["authorizer, allow"], [runs[n] for n in CASES if n.startswith("authorizer, deny")]
    paired = statistics.median(max(d[i]["cpu_us"] for d in denies) / allow[i]["cpu_us"] for i in range(len(allow)))
    return cases, {"dearer deny over allow, CPU per event": paired}


# What a sample is, by the object it fell in and its symbol's crate.
GROUPS = [
    ("runtime loop: lambda_runtime, hyper, http, tokio",
     ("lambda_runtime", "hyper", "http::", "httparse", "tokio", "futures", "tower", "bytes", "mio", "want::")),
    ("event in, response out: serde_json", ("serde_json", "serde_core", "serde::", "aws_lambda_events")),
    ("the decision: shared, authorizer, jsonwebtoken, aws-lc",
     ("shared::", "authorizer::", "jsonwebtoken", "aws_lc", "base64", "simd_json")),
    ("logging: tracing", ("tracing",)),
]


def group(dso, symbol):
    if dso.startswith("[kernel"):
        return "kernel: loopback TCP, epoll, scheduling"
    if dso.startswith("libc") or dso.startswith("ld-linux") or dso == "[vdso]":
        return "libc: allocation, copies"
    for name, prefixes in GROUPS:
        if any(p in symbol for p in prefixes):
            return name
    return "other code of the binary"


def profile():
    """The allow loop under `perf record`, or None where perf cannot record."""
    if not shutil.which("perf"):
        return None
    data = pathlib.Path(tempfile.mkdtemp()) / "perf.data"
    real_popen = lambda_stub.subprocess.Popen
    recorded = []

    def popen(cmd, **kwargs):
        process = real_popen(cmd, **kwargs)

        def attach():
            time.sleep(0.5)  # past the cold start, into the warm loop
            perf = real_popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "20000", "-p", str(process.pid),
                               "-o", str(data), "--", "sleep", "2"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
            recorded.append(perf.wait() == 0)

        threading.Thread(target=attach, daemon=True).start()
        return process

    lambda_stub.subprocess.Popen = popen
    try:
        binary, event = CASES["authorizer, allow"]
        # Enough events to outlast the recording.
        lambda_stub.run(command(binary), {}, [event] * 40_000, "warm-loop-profile", timeout=300.0)
    finally:
        lambda_stub.subprocess.Popen = real_popen
    deadline = time.time() + 10
    while not recorded and time.time() < deadline:
        time.sleep(0.1)
    if not recorded or not recorded[0] or not data.exists():
        return None
    report = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,sym", "-q",
                             "-t", "|", "--percent-limit", "0"], capture_output=True, text=True)
    groups, top = {}, []
    for line in report.stdout.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[0].endswith("%"):
            continue
        share, dso, symbol = float(parts[0].rstrip("%")), parts[1], "|".join(parts[2:]).removeprefix("[.] ").removeprefix("[k] ")
        name = group(dso, symbol)
        groups[name] = groups.get(name, 0.0) + share
        top.append((share, dso, symbol[:90]))
    shutil.rmtree(data.parent, ignore_errors=True)
    if not groups:
        return None
    top.sort(reverse=True)
    return {"groups": dict(sorted(groups.items(), key=lambda kv: -kv[1])), "top": top[:12]}


cases, paired = measure()
results = {"runs": RUNS, "events": EVENTS, "pinned": PINNED, "cases": cases, "paired": paired, "profile": profile()}
print(json.dumps({"cases": cases, "paired": paired}, indent=2), file=sys.stderr)
pathlib.Path(OUT).write_text(json.dumps(results, indent=2))
