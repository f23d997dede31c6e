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

# The first event of each cold start where it is not the function's first
# success in events/ (its files in name order).
FIRST = {
    "authorizer": "http-v2.allow.json",
    "session-authorizer": "http-v2.allow.json",
    "me": "bearer-token.200.json",
    "logout": "local.204.json",
    "change-email": "requested.202.json",
    "list-sessions": "bearer-token.200.json",
    # A code that passes depends on the time; the static first event is a refusal.
    "confirm-totp": "nothing-pending.400.json",
    # A ceremony's second half signs a fresh challenge: the static first events are refusals.
    "finish-passkey-registration": "unknown-challenge.400.json",
    "finish-passkey-login": "unknown-challenge.400.json",
}
# The mailer's events are the jobs the other functions hand it, sent through
# the stub's SES endpoint.
MAIL_JOBS = [
    {"job": "reset_password", "email": "ada@example.com"},
    {"job": "verify_email", "email": "ada@example.com"},
    {"job": "notice", "email": "ada@example.com", "notice": {"kind": "password_changed"}},
    {"job": "reset_password", "email": "nobody@example.com"},
]
MAILER_ENV = {"MAIL_TRANSPORT": "ses", "MAIL_FROM": "no-reply@example.com", "APP_URL": "https://app.example.com"}


def functions(root="."):
    """Every function with events (each folder of events/), and the mailer."""
    return sorted(p.name for p in pathlib.Path(root, "events").iterdir() if p.is_dir()) + ["mailer"]


def first_event(function, files):
    """The name of the event a cold start begins with: a success on the main path."""
    if function in FIRST:
        return FIRST[function]
    successes = [f.name for f in files if f.name.split(".")[-2].startswith("2")]
    return (successes or [f.name for f in files])[0]


def event_files(function, root="."):
    """The function's files in events/ under `root`: its first event, then the rest."""
    files = sorted(pathlib.Path(root, "events", function).glob("*.json"))
    first = first_event(function, files)
    return [f for f in files if f.name == first] + [f for f in files if f.name != first]


def events(function, root="."):
    if function == "mailer":
        return [json.dumps(job).encode() for job in MAIL_JOBS]
    return [f.read_bytes() for f in event_files(function, root)]


def first_status(response):
    if not isinstance(response, dict):
        return "ok"  # the mailer answers null
    return response.get("statusCode", response.get("isAuthorized"))


def fresh_table(bin_dir):
    """A new table, seeded with the sample user and session by `bin_dir`'s seed."""
    table = f"bench-{uuid.uuid4().hex[:12]}"
    subprocess.run([str(bin_dir / "seed"), "--dynamodb-endpoint", os.environ["DYNAMODB_ENDPOINT"], "--table", table,
                    "--samples"], check=True, capture_output=True)
    return table


def cold_run(bin_dir, name, command, env, payloads):
    env = dict(env, TABLE_NAME=fresh_table(bin_dir), DYNAMODB_ENDPOINT=os.environ["DYNAMODB_ENDPOINT"])
    return lambda_stub.run(command, env, payloads, name)


def measure(bin_dir, runs_wanted, name, command, env_for_run, payloads):
    runs = [cold_run(bin_dir, name, command, env_for_run(), payloads) for _ in range(runs_wanted)]
    return {
        "init_ms": statistics.median(r["init_ms"] for r in runs),
        "first_event_ms": statistics.median(r["first_event_ms"] for r in runs),
        "warm_event_ms": statistics.median(e for r in runs for e in r["event_ms"][1:]) if len(payloads) > 1 else None,
        "peak_rss_kib": max(r["peak_rss_kib"] or 0 for r in runs),
        "events": len(payloads),
        "runs": runs_wanted,
        "first_status": first_status(runs[0]["responses"][0]),
        "handoffs": runs[0]["handoffs"],
        "mails": runs[0]["mails"],
    }


def main():
    bin_dir, runs, out = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    results = {"rust": {}, "python": {}}
    for function in functions():
        env = (lambda: dict(MAILER_ENV)) if function == "mailer" else dict
        results["rust"][function] = measure(bin_dir, runs, function, [str(bin_dir / function)], env, events(function))
        print(f"{function}: {results['rust'][function]}", file=sys.stderr)

    python = [str(pathlib.Path(".venv-bench/bin/python")), "-m", "awslambdaric", "bench.peers.fastapi_app.handler"]
    for function in ["me", "login"]:
        first = event_files(function)[0].read_bytes()
        results["python"][function] = measure(
            bin_dir, runs, f"python-{function}", python,
            lambda: {"PEER_STORE": "dynamodb", "PYTHONPATH": os.getcwd()}, [first] * 5)
        print(f"python {function}: {results['python'][function]}", file=sys.stderr)

    pathlib.Path(out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
