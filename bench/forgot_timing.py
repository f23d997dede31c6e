#!/usr/bin/env python3
"""POST /password/forgot for a known and an unknown email: the function's
x86_64 binary under the Runtime API stub, the two kinds of event interleaved
in one process (so both meet the same warm state), with its handoff to the
mailer going to the stub's Lambda Invoke endpoint as in AWS.

usage: forgot_timing.py BIN_DIR EVENTS_PER_KIND PROCESSES OUT.json
"""
import json
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import lambda_stub  # noqa: E402

BIN_DIR, PER_KIND, PROCESSES, OUT = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
known = pathlib.Path("events/forgot-password/known.202.json").read_bytes()
unknown = pathlib.Path("events/forgot-password/unknown.202.json").read_bytes()

timings = {"known": [], "unknown": []}
for _ in range(PROCESSES):
    # The first event of a process pays for its connections; it is left out.
    events = [known] + [e for _ in range(PER_KIND) for e in (known, unknown)]
    run = lambda_stub.run([str(BIN_DIR / "forgot-password")], {}, events, "forgot-password")
    assert run["handoffs"] == len(events), run["handoffs"]
    for i, ms in enumerate(run["event_ms"][1:]):
        timings["known" if i % 2 == 0 else "unknown"].append(ms)
    statuses = {r.get("statusCode") for r in run["responses"]}
    assert statuses == {202}, statuses


def summary(values):
    values = sorted(values)
    return {"median_ms": statistics.median(values), "p90_ms": values[int(len(values) * 0.9)], "n": len(values)}


result = {kind: summary(values) for kind, values in timings.items()}
result["unknown_over_known"] = result["unknown"]["median_ms"] / result["known"]["median_ms"]
pathlib.Path(OUT).write_text(json.dumps(result, indent=2))
print(json.dumps(result), file=sys.stderr)
