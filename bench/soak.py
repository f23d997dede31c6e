#!/usr/bin/env python3
"""Mixed traffic against a running local-api for a fixed time, from CLIENTS
clients on their own loopback addresses (127.0.0.10, .11, ...): signups,
logins (some with a wrong password first), /me, refreshes (some raced by two
connections at once), local and global logouts. Samples the server's RSS,
then reconciles: every session a client still holds must refresh, every one
it logged out must be refused, and `audit` must find the table whole, with as
many users and live sessions as the clients made and kept.

usage: soak.py URL PID SECONDS CLIENTS AUDIT_COMMAND... > report.json
Only loopback is ever contacted; the loop ends by time or request count.
"""
import collections
import http.client
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

URL, PID, SECONDS, CLIENTS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
AUDIT = sys.argv[5:]
HOST, PORT = urllib.parse.urlsplit(URL).hostname, urllib.parse.urlsplit(URL).port
assert HOST in ("127.0.0.1", "localhost"), "the soak only talks to loopback"
MAX_REQUESTS = 2_000_000
PASSWORD = "soak test passphrase, long enough"
USERS_PER_CLIENT = 5
MAX_HELD = 40

lock = threading.Lock()
statuses = collections.Counter()
unexpected = collections.Counter()
total = [0]


def rss_kib():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Client:
    def __init__(self, index):
        self.source = f"127.0.0.{10 + index}"
        self.conn = self.connect()
        self.users = []  # [email, device token]
        self.held = []  # {"user": email, "refresh": token, "access": token}
        self.logged_out = []
        self.signups = 0

    def connect(self):
        return http.client.HTTPConnection(HOST, PORT, timeout=30, source_address=(self.source, 0))

    def call(self, method, path, body=None, headers=None, conn=None, expect=()):
        conn = conn or self.conn
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["content-type"] = "application/json"
        for attempt in range(2):
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt:
                    raise
        route = f"{method} {path}"
        with lock:
            total[0] += 1
            statuses[(route, response.status)] += 1
            if expect and response.status not in expect:
                unexpected[(route, response.status)] += 1
        return response.status, (json.loads(payload) if payload else None), response

    def hold(self, email, tokens):
        self.held.append({"user": email, "refresh": tokens["refresh_token"], "access": tokens["access_token"]})

    def signup(self):
        email = f"soak-{uuid.uuid4().hex[:16]}@example.com"
        status, body, _ = self.call("POST", "/signup", {"email": email, "password": PASSWORD}, expect=(201,))
        if status == 201:
            self.signups += 1
            self.users.append([email, None])
            self.hold(email, body)

    def login(self):
        user = random.choice(self.users)
        headers = {"x-device-token": user[1]} if user[1] else {}
        if random.random() < 0.1:
            self.call("POST", "/login", {"email": user[0], "password": "not it"}, headers, expect=(400,))
        status, body, response = self.call(
            "POST", "/login", {"email": user[0], "password": PASSWORD}, headers, expect=(200,))
        if status == 200:
            user[1] = response.getheader("x-device-token")
            self.hold(user[0], body)

    def me(self):
        session = random.choice(self.held)
        self.call("GET", "/me", headers={"authorization": f"Bearer {session['access']}"}, expect=(200,))

    def refresh(self):
        session = random.choice(self.held)
        body = {"refresh_token": session["refresh"]}
        if random.random() < 0.2:
            # Two connections at once with the same token: both get the one successor.
            answers = []
            conns = [self.connect(), self.connect()]
            threads = [threading.Thread(target=lambda c=c: answers.append(self.call("POST", "/refresh", body, conn=c, expect=(200,))))
                       for c in conns]
            [t.start() for t in threads]
            [t.join() for t in threads]
            [c.close() for c in conns]
            tokens = {a[1]["refresh_token"] for a in answers if a[0] == 200}
            if len(tokens) > 1:
                with lock:
                    unexpected[("POST /refresh", "two successors")] += 1
        else:
            answers = [self.call("POST", "/refresh", body, expect=(200,))]
        good = [a for a in answers if a[0] == 200]
        if good:
            session["refresh"], session["access"] = good[0][1]["refresh_token"], good[0][1]["access_token"]

    def logout(self, scope="local"):
        session = self.held.pop(random.randrange(len(self.held)))
        self.call("POST", "/logout", {"refresh_token": session["refresh"], "scope": scope}, expect=(204,))
        gone = [session] + ([s for s in self.held if s["user"] == session["user"]] if scope == "global" else [])
        self.held = [s for s in self.held if s not in gone]
        self.logged_out.extend(s["refresh"] for s in gone)

    def run(self, deadline):
        while time.time() < deadline and total[0] < MAX_REQUESTS:
            if len(self.users) < USERS_PER_CLIENT:
                self.signup()
                continue
            if not self.held:
                self.login()
                continue
            roll = random.random()
            if len(self.held) > MAX_HELD or roll < 0.08:
                self.logout("global" if random.random() < 0.1 else "local")
            elif roll < 0.30:
                self.login()
            elif roll < 0.60:
                self.refresh()
            else:
                self.me()


def main():
    deadline = time.time() + SECONDS
    started = time.time()
    samples = [(0.0, rss_kib())]
    clients = [Client(i) for i in range(CLIENTS)]
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
    [t.start() for t in threads]
    while any(t.is_alive() for t in threads):
        time.sleep(5)
        samples.append((round(time.time() - started, 1), rss_kib()))
    elapsed = time.time() - started

    # Reconcile with what the clients believe.
    held_ok = held_bad = out_ok = out_bad = 0
    for client in clients:
        for session in client.held:
            status, body, _ = client.call("POST", "/refresh", {"refresh_token": session["refresh"]})
            held_ok, held_bad = (held_ok + 1, held_bad) if status == 200 else (held_ok, held_bad + 1)
        for token in client.logged_out:
            status, _, _ = client.call("POST", "/refresh", {"refresh_token": token})
            out_ok, out_bad = (out_ok + 1, out_bad) if status == 400 else (out_ok, out_bad + 1)
    audited = subprocess.run(AUDIT, capture_output=True, text=True)
    if not audited.stdout:
        print(f"audit failed: {audited.stderr}", file=sys.stderr)
    audit = json.loads(audited.stdout or "{}")
    signups = sum(c.signups for c in clients)
    held = sum(len(c.held) for c in clients)
    minute = next((kib for t, kib in samples if t >= 60), samples[-1][1])
    report = {
        "seconds": round(elapsed, 1),
        "clients": CLIENTS,
        "requests": total[0],
        "requests_per_second": round(total[0] / elapsed, 1),
        "server_errors": sum(n for (route, status), n in statuses.items() if isinstance(status, int) and status >= 500),
        "unexpected": {f"{r} {s}": n for (r, s), n in unexpected.items()},
        "by_route": {f"{r} {s}": n for (r, s), n in sorted(statuses.items())},
        "rss_mib": {"start": samples[0][1] / 1024, "after_1_min": minute / 1024, "end": samples[-1][1] / 1024,
                    "max": max(k for _, k in samples) / 1024},
        "rss_samples": samples,
        "reconciliation": {
            "held_sessions_refresh": held_ok, "held_sessions_refused": held_bad,
            "logged_out_refused": out_ok, "logged_out_accepted": out_bad,
            "users_made": signups, "users_in_table": audit.get("users"),
            "live_sessions_held": held, "live_sessions_in_table": audit.get("live_sessions"),
            "orphans": audit.get("orphans"),
        },
    }
    report["reconciled"] = (held_bad == 0 and out_bad == 0 and audit.get("users") == signups
                            and audit.get("live_sessions") == held and audit.get("orphans") == [])
    print(json.dumps(report, indent=1))


main()
