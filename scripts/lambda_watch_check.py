#!/usr/bin/env python3
"""Drives functions running under `cargo lambda watch` (see scripts/lambda-watch check):
a whole session over HTTP, then every file of events/ through `cargo lambda invoke`,
each checked against the status or decision its file name declares."""
import json
import pathlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE, PORT = sys.argv[1], sys.argv[2]
# The first request to each function compiles it, so allow minutes.
TIMEOUT = 900


def wait_for_port():
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", int(PORT)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    sys.exit("cargo lambda watch did not open its port; see .local/lambda-watch.log")


def call(method, function, body=None, headers=None, form=False):
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = body.encode() if form else json.dumps(body).encode()
        headers["content-type"] = "application/x-www-form-urlencoded" if form else "application/json"
    request = urllib.request.Request(f"{BASE}/lambda-url/{function}/", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def expect(label, status, wanted, body):
    print(f"{'ok ' if status == wanted else 'FAIL'} {label}: {status}")
    if status != wanted:
        sys.exit(f"{label}: expected {wanted}, got {status}: {body}")


def session():
    email = f"watch-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct horse battery staple"
    status, body = call("POST", "signup", {"email": email, "password": password, "name": "Ada"})
    expect("signup", status, 201, body)
    status, tokens = call("POST", "login", {"email": email, "password": password})
    expect("login", status, 200, tokens)
    status, me = call("GET", "me", headers={"authorization": f"Bearer {tokens['access_token']}"})
    expect("me (verifying the bearer token itself)", status, 200, me)
    assert me["email"] == email, me
    status, body = call("GET", "me")
    expect("me without a token (RFC 6750)", status, 401, body)
    status, body = call("POST", "refresh", f"grant_type=refresh_token&refresh_token={tokens['refresh_token']}", form=True)
    expect("refresh", status, 200, body)


# Stateful events in an order where each finds the state its name expects.
ORDER = ["signup", "login", "me", "jwks", "refresh", "logout", "authorizer"]


def invoke_events():
    for function in ORDER:
        for path in sorted(pathlib.Path("events", function).glob("*.json")):
            wanted = path.name.rsplit(".", 2)[1]
            done = subprocess.run(
                ["cargo", "lambda", "invoke", function, "--data-file", str(path),
                 "--invoke-address", "127.0.0.1", "--invoke-port", PORT],
                capture_output=True, text=True, timeout=TIMEOUT,
            )
            output = done.stdout + done.stderr
            if function == "authorizer":
                if "Unauthorized" in output and done.returncode != 0:
                    got = "unauthorized"
                else:
                    answer = json.loads(done.stdout)
                    allowed = answer.get("isAuthorized") is True or (
                        answer.get("policyDocument", {}).get("Statement", [{}])[0].get("Effect") == "Allow")
                    got = "allow" if allowed else "deny"
            else:
                got = str(json.loads(done.stdout).get("statusCode")) if done.returncode == 0 else output
            expect(f"cargo lambda invoke {function} {path.name}", got, wanted, output[-400:])


wait_for_port()
session()
invoke_events()
print("cargo lambda watch: session and every sample event behaved as declared")
