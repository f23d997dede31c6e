#!/usr/bin/env python3
"""A minimal AWS Lambda Runtime API on loopback, for timing functions the way
Lambda starts them: spawn the process with AWS_LAMBDA_RUNTIME_API pointing
here, hand out events on GET .../invocation/next, collect responses.

  init        exec -> the process's first GET .../invocation/next
  first event that event handed out -> its response
  peak RSS    the process's VmHWM after its last response
"""
import json
import os
import queue
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
INVOKE_PREFIX = "/2015-03-31/functions/"
SES_SEND = "/v2/email/outbound-emails"


class QuietServer(ThreadingHTTPServer):
    # The function is killed mid-poll at the end of every run; its reset
    # connection is expected, not an error to print.
    def handle_error(self, request, client_address):
        pass


class Invocation:
    # `payload` is bytes, or a callable given the responses so far (decoded)
    # that returns the bytes: for events that carry what an earlier answer
    # handed out, such as a rotated refresh token.
    def __init__(self, payload):
        self.id = str(uuid.uuid4())
        self.payload = payload
        self.handed_out = None
        self.answered = None
        self.response = None
        self.error = None
        self.answer = None  # the response decoded, once


class Stub:
    def __init__(self):
        self.pending = queue.Queue()
        self.by_id = {}
        self.first_next = None
        self.done = threading.Condition()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # A reply is two writes (head, body): with Nagle's algorithm the
            # body waits for the client's delayed ACK of the head, up to 40 ms,
            # on clients that do not send again first (Node's fetch).
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self.reply(404, b"{}")
                now = time.perf_counter()
                if stub.first_next is None:
                    stub.first_next = now
                invocation = stub.pending.get()
                if invocation is None:  # shutting down: never answer
                    return
                payload = invocation.payload
                if callable(payload):
                    payload = payload([decoded(i) for i in stub.served])
                stub.served.append(invocation)
                invocation.handed_out = time.perf_counter()
                self.reply(200, payload, {
                    "Lambda-Runtime-Aws-Request-Id": invocation.id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
                    "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:bench",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
                })

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                # The Lambda API's asynchronous Invoke, for functions that hand
                # mail off to the mailer: accepted, as Lambda would.
                if self.path.startswith(INVOKE_PREFIX):
                    stub.handoffs.append(body)
                    return self.reply(202, b"")
                # SES v2 SendEmail, for the mailer.
                if self.path.startswith(SES_SEND):
                    stub.mails.append(body)
                    return self.reply(200, b'{"MessageId":"bench"}')
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts[:1] == ["invocation"] and len(parts) == 3 and parts[1] in stub.by_id:
                    invocation = stub.by_id[parts[1]]
                    invocation.answered = time.perf_counter()
                    if parts[2] == "response":
                        invocation.response = body
                    else:
                        invocation.error = body or b"error"
                    with stub.done:
                        stub.done.notify_all()
                elif parts[:2] == ["init", "error"]:
                    stub.init_error = body
                    with stub.done:
                        stub.done.notify_all()
                self.reply(202, b"{}")

            def reply(self, status, body, headers=None):
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.init_error = None
        self.served = []
        self.handoffs = []
        self.mails = []
        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.pending.put(None)
        self.server.shutdown()
        self.server.server_close()


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_split_ms(pid):
    """User and system CPU the process has used so far (clock-tick resolution)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) * 1000 / tick, int(fields[12]) * 1000 / tick
    except (OSError, IndexError, ValueError):
        return None



def lambda_env(stub, name, memory=128):
    return {
        "AWS_LAMBDA_RUNTIME_API": stub.address,
        # Where the functions that mail invoke the mailer (see do_POST).
        "AWS_ENDPOINT_URL_LAMBDA": f"http://{stub.address}",
        "MAILER_FUNCTION": "mailer",
        "AWS_ENDPOINT_URL_SESV2": f"http://{stub.address}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "LAMBDA_TASK_ROOT": os.getcwd(),
        "_HANDLER": "bootstrap",
    }


def decoded(invocation):
    if invocation.answer is None:
        invocation.answer = (json.loads(invocation.response) if invocation.response
                             else {"error": (invocation.error or b"").decode()})
    return invocation.answer


def run(command, env, events, name, timeout=60.0):
    """Starts `command` as a Lambda function, serves `events` in order, and
    returns timings in milliseconds, peak RSS in KiB, and the responses."""
    stub = Stub()
    invocations = [Invocation(e) for e in events]
    for invocation in invocations:
        stub.by_id[invocation.id] = invocation
        stub.pending.put(invocation)
    full_env = dict(os.environ, **lambda_env(stub, name), **env)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = started + timeout
    try:
        with stub.done:
            while not all(i.answered for i in invocations) and stub.init_error is None:
                if process.poll() is not None or time.perf_counter() > deadline:
                    break
                stub.done.wait(0.05)
        rss = peak_rss_kib(process.pid)
        cpu_split = cpu_split_ms(process.pid)
        cpu = None if cpu_split is None else sum(cpu_split)
    finally:
        process.kill()
        stderr = process.communicate()[1]
        stub.close()
    if stub.init_error is not None or not all(i.answered for i in invocations):
        raise RuntimeError(f"{name}: did not serve every event: {stub.init_error or stderr.decode()[-2000:]}")
    first = invocations[0]
    return {
        "init_ms": (stub.first_next - started) * 1000,
        "first_event_ms": (first.answered - first.handed_out) * 1000,
        "event_ms": [(i.answered - i.handed_out) * 1000 for i in invocations],
        "handoffs": len(stub.handoffs),
        "mails": len(stub.mails),
        "peak_rss_kib": rss,
        "cpu_ms": cpu,
        "cpu_user_ms": None if cpu_split is None else cpu_split[0],
        "responses": [decoded(i) for i in invocations],
    }
