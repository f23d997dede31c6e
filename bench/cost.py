#!/usr/bin/env python3
"""The monthly AWS bill of a given traffic, worked from the durations that
bench/cold_start.py measured and public us-east-1 prices (arm64 Lambda,
HTTP API, DynamoDB on demand).

usage: cost.py COLD_START.json   prints a Markdown section

Durations: each function's measured first event, its main success path right
after a cold start (one full x86 core, DynamoDB Local on loopback), divided by
the CPU share Lambda gives its memory size (1,769 MB = one vCPU), rounded up
to the millisecond Lambda bills. First-event costs and the waiting on
DynamoDB are scaled too, so this is an upper bound.
"""
import json
import math
import pathlib
import re
import sys

PRICES = {  # us-east-1, published on aws.amazon.com/{lambda,api-gateway,dynamodb}/pricing
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm64": 0.0000133334,
    "http_api_request": 1.00 / 1e6,
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
}
VCPU_MB = 1769

# A month of an app with 100,000 monthly active users: every figure is per month.
# The authorizer runs once per token per cache TTL (AuthorizerCacheTtl, 300 s),
# not once per request: assume one run per 5 protected requests.
TRAFFIC = [
    # route, function, requests, DynamoDB (read units, write units) per request
    ("POST /signup", "signup", 10_000, (0, 8)),         # one transaction of 3 items, counters
    ("POST /login", "login", 300_000, (2, 4)),          # 2 consistent reads, one put, counters
    ("POST /refresh", "refresh", 3_000_000, (1.5, 2)),  # the family item read and updated, a retired token put
    ("POST /logout", "logout", 200_000, (2, 1)),        # 2 reads, one update
    ("GET /me", "me", 10_000_000, (1, 0)),              # one consistent read
    ("authorizer (cached 300 s)", "authorizer", 2_000_000, (0, 0)),
]


def memory_sizes():
    """MemorySize per function from template.yaml (Globals for the rest)."""
    sizes, current, default = {}, None, 128
    for line in pathlib.Path("template.yaml").read_text().splitlines():
        resource = re.match(r"^  (\w+)Function:\s*$", line)
        if resource:
            current = resource.group(1).lower()
        memory = re.match(r"^\s+MemorySize:\s*(\d+)", line)
        if memory:
            if current is None:
                default = int(memory.group(1))
            else:
                sizes[current] = int(memory.group(1))
    return sizes, default


# The event of events/ whose measured units (the units example) stand for each route.
MEASURED_EVENT = {
    "signup": "created.201.json",
    "login": "json.200.json",
    # A session's later refreshes (all but its first) also put the token they displace.
    "refresh": "a-later-refresh.200",
    "logout": "local.204.json",
    "me": "bearer-token.200.json",
}


def totals(cold, units=None):
    """Lambda, HTTP API and DynamoDB dollars a month, and the table's rows."""
    sizes, default = memory_sizes()
    rows, total = [], {"lambda": 0.0, "api": 0.0, "dynamodb": 0.0}
    for route, function, requests, (reads, writes) in TRAFFIC:
        measured_units = (units or {}).get(function, {}).get(MEASURED_EVENT.get(function, ""))
        if measured_units:
            reads, writes = measured_units["reads"], measured_units["writes"]
        memory = sizes.get(function, default)
        measured = cold["rust"][function]["first_event_ms"]
        billed_ms = math.ceil(measured / min(1.0, memory / VCPU_MB))
        lam = requests * (PRICES["lambda_request"] + billed_ms / 1000 * memory / 1024 * PRICES["lambda_gb_second_arm64"])
        api = 0 if function == "authorizer" else requests * PRICES["http_api_request"]
        ddb = requests * (reads * PRICES["dynamodb_read_unit"] + writes * PRICES["dynamodb_write_unit"])
        total["lambda"] += lam
        total["api"] += api
        total["dynamodb"] += ddb
        source = "" if measured_units or (reads, writes) == (0, 0) else " (estimate)"
        rows.append(f"| {route} | {requests:,} | {memory} MB | {measured:.2f} ms | {billed_ms} ms | "
                    f"{reads:g} / {writes:g}{source} | ${lam:,.2f} | ${api:,.2f} | ${ddb:,.2f} |")
    return total, rows


def readme_line(cold, units=None):
    total, _ = totals(cold, units)
    return (f"about **${round(sum(total.values())):,} a month** as an upper bound: Lambda ${total['lambda']:,.2f},\n"
            f"HTTP API ${total['api']:,.2f}, DynamoDB on demand ${total['dynamodb']:,.2f}.")


def section(cold, units=None):
    total, rows = totals(cold, units)
    out = ["## Monthly cost of a given traffic\n",
           "`bench/cost.py`, from this run's first-event durations (section 2: each function's success path right "
           "after a cold start) and public us-east-1 prices: arm64 "
           "Lambda $0.20 per million requests and $0.0000133334 per GB-second, HTTP API $1.00 per million requests, "
           "DynamoDB on demand $0.625 per million write units and $0.125 per million read units (transactions "
           "count two units per item). Billed duration: the measured duration (one full core) divided by the CPU "
           "share of the function's memory (1,769 MB = one vCPU), rounded up to the millisecond; scaling the "
           "first-event costs and the waiting on DynamoDB too makes it an upper bound. Traffic: an app with 100,000 "
           "monthly active users; "
           "the authorizer runs once per token per cache TTL, taken as one run per five protected requests. "
           "Storage (about 1 KB per user and per live session), logs and data transfer are left out.\n",
           "DynamoDB units per request are the measured ones of the section above.\n",
           "| route | requests / month | memory | measured | billed | read / write units | Lambda | HTTP API | DynamoDB |",
           "|---|---|---|---|---|---|---|---|---|"]
    out += rows
    grand = sum(total.values())
    out.append(f"| **total** | | | | | | **${total['lambda']:,.2f}** | **${total['api']:,.2f}** | **${total['dynamodb']:,.2f}** |")
    out.append(f"\nAbout **${grand:,.2f} a month** for this traffic; the API Gateway request charge is "
               f"{total['api'] / grand:.0%} of it.\n")
    out.append(comparison(cold, units))
    return "\n".join(out)


# Amazon Cognito user pools, per monthly active user, from
# https://aws.amazon.com/cognito/pricing/ as read on 2026-09-20: Lite with its
# volume tiers (the first 10,000 free), Essentials $0.015 above 10,000 free,
# Plus $0.020 with no free tier.
COGNITO_SOURCE = "https://aws.amazon.com/cognito/pricing/, as read on 2026-09-20"
COGNITO_LITE_TIERS = [(10_000, 0.0), (100_000, 0.0055), (1_000_000, 0.0046), (10_000_000, 0.00325), (None, 0.0025)]


def cognito(mau):
    """Cognito's monthly MAU charge in each feature plan."""
    lite, below = 0.0, 0
    for upper, price in COGNITO_LITE_TIERS:
        top = mau if upper is None else min(mau, upper)
        if top > below:
            lite += (top - below) * price
        below = top
    return {"Lite": lite, "Essentials": max(0, mau - 10_000) * 0.015, "Plus": mau * 0.020}


def comparison(cold, units=None):
    """This service's bill against Cognito's at three sizes, traffic scaled with the users."""
    total, _ = totals(cold, units)
    out = ["### Against Amazon Cognito\n",
           f"Cognito bills per monthly active user ({COGNITO_SOURCE}): Lite $0.0055 per MAU from 10,001 to 100,000, "
           "$0.0046 to 1 million, less beyond, the first 10,000 free; Essentials $0.015 per MAU above 10,000 free "
           "(the plan with passkeys and a customisable login page); Plus $0.020 per MAU, none free (threat "
           "protection). This service's bill is the one above, with the traffic scaled to the number of users. "
           "The HTTP API requests of the protected routes are paid with Cognito too (its tokens are checked by "
           "the same gateway), so the third column leaves them out: it is what replacing Cognito costs.\n",
           "| monthly active users | this service, everything | this service, without the protected routes' HTTP API "
           "requests | Cognito Lite | Cognito Essentials | Cognito Plus |",
           "|---|---|---|---|---|---|"]
    protected_api = sum(r for route, _, r, _ in TRAFFIC if route.startswith("GET /me")) * PRICES["http_api_request"]
    for mau in [10_000, 100_000, 1_000_000]:
        scale = mau / 100_000
        ours = sum(total.values()) * scale
        replacing = ours - protected_api * scale
        c = cognito(mau)
        out.append(f"| {mau:,} | ${ours:,.2f} | ${replacing:,.2f} | ${c['Lite']:,.2f} | ${c['Essentials']:,.2f} | "
                   f"${c['Plus']:,.2f} |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(section(json.loads(pathlib.Path(sys.argv[1]).read_text())))
