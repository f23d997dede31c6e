#!/usr/bin/env python3
"""The refresh function of two builds side by side, in one run: cold starts
alternating between them, each against its own freshly seeded table (each
build's own seed, so each meets the storage layout it knows), under the same
Runtime API stub.

Every run serves the events of bench/cold_start.py (the first event, then the
function's other files in events/, each timed on its own), then WARM
refreshes in a chain, each presenting the refresh token the one before it
handed out: the rotation a client makes all day. Ratios are the median of
each run's ratio to the other build's run beside it.

usage: against.py BASE_BIN BASE_ROOT HEAD_BIN HEAD_ROOT RUNS WARM OUT.json
  (DYNAMODB_ENDPOINT and the signing key set; a ROOT is the checkout whose events/ the build reads)
"""
import json
import pathlib
import statistics
import sys

import cold_start

FUNCTION = "refresh"


def latest_refresh_token(responses):
    for response in reversed(responses):
        try:
            body = json.loads(response.get("body") or "{}")
        except (AttributeError, ValueError):
            continue
        if isinstance(body, dict) and body.get("refresh_token"):
            return body["refresh_token"]
    raise RuntimeError(f"{FUNCTION}: no refresh token handed out yet")


def chained(template):
    event = json.loads(template)

    def payload(responses):
        return json.dumps(dict(event, body=json.dumps({"refresh_token": latest_refresh_token(responses)}))).encode()

    return payload


def figures(run, names):
    """One run's figures: init, each event file's time, the chain's median."""
    events = run["event_ms"]
    out = {"init_ms": run["init_ms"], "peak_rss_kib": run["peak_rss_kib"],
           "cpu_ms_per_event": run["cpu_ms"] / len(events)}
    out.update({f"{name} ms": events[i] for i, name in enumerate(names)})
    out["chained refresh ms"] = statistics.median(events[len(names):])
    return out


def main():
    base_bin, base_root, head_bin, head_root = (pathlib.Path(a) for a in sys.argv[1:5])
    runs_wanted, warm, out = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
    builds = {"base": (base_bin, base_root), "head": (head_bin, head_root)}
    files = {name: cold_start.event_files(FUNCTION, root) for name, (_, root) in builds.items()}
    payloads = {name: [f.read_bytes() for f in fs] + [chained(fs[0].read_text())] * warm for name, fs in files.items()}
    names = [f.name for f in files["head"]]
    runs = {name: [] for name in builds}
    for _ in range(runs_wanted):
        for name, (bin_dir, _) in builds.items():
            result = cold_start.cold_run(bin_dir, f"{FUNCTION}-{name}", [str(bin_dir / FUNCTION)], {}, payloads[name])
            statuses = [r.get("statusCode") for r in result["responses"]]
            if statuses[0] != 200 or any(s != 200 for s in statuses[len(files[name]):]):
                raise RuntimeError(f"{name}: a refresh did not succeed: {statuses}")
            runs[name].append(figures(result, [f.name for f in files[name]]))
    keys = list(runs["head"][0])
    results = {name: {key: statistics.median(r[key] for r in rs) for key in keys} for name, rs in runs.items()}
    # Each run's head over the base run beside it: drift across the run cancels.
    results["head_over_base"] = {
        key: statistics.median(h[key] / b[key] for h, b in zip(runs["head"], runs["base"])) for key in keys}
    results.update(runs=runs_wanted, warm_refreshes=warm, function=FUNCTION, first=names[0])
    print(json.dumps(results, indent=2), file=sys.stderr)
    pathlib.Path(out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
