#!/usr/bin/env python3
"""Writes the soak section of BENCHMARKS.md (bench/soak.md) from soak.py's report.

usage: soak_md.py REPORT.json COMMAND > bench/soak.md"""
import datetime
import json
import sys

r = json.load(open(sys.argv[1]))
command = sys.argv[2]
rec = r["reconciliation"]
rss = r["rss_mib"]
today = datetime.date.today().isoformat()
print("## Soak\n")
print(f"`{command}` on {today}: {r['clients']} clients, each on its own loopback address, for {r['seconds']:.0f} s "
      "against local-api (bench build, default argon2id: m = 19 MiB, t = 2) on DynamoDB Local: signups, logins "
      "(one in ten with a wrong password first), `/me`, refreshes (one in five raced by two connections with the same "
      "token), local and global logouts. Per-address login and signup limits are lifted for it (every client makes "
      "hundreds of logins); they have their own tests.\n")
print("| requests | per second | 5xx | unexpected answers | RSS at start | after 1 min | at the end | peak |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {r['requests']:,} | {r['requests_per_second']:.0f} | {r['server_errors']} | "
      f"{sum(r['unexpected'].values())} | {rss['start']:.1f} MiB | {rss['after_1_min']:.1f} MiB | "
      f"{rss['end']:.1f} MiB | {rss['max']:.1f} MiB |")
print()
print("Reconciliation, after the traffic: "
      f"{rec['held_sessions_refresh']} sessions the clients still held all refreshed "
      f"({rec['held_sessions_refused']} refused); {rec['logged_out_refused']} logged-out refresh tokens were all "
      f"refused ({rec['logged_out_accepted']} accepted); the table holds {rec['users_in_table']} users for "
      f"{rec['users_made']} signups and {rec['live_sessions_in_table']} live sessions for the "
      f"{rec['live_sessions_held']} the clients hold; orphan items: {len(rec['orphans'] or []) or 'none'} "
      f"(`audit`). {'Reconciled.' if r['reconciled'] else '**Not reconciled.**'}\n")
if r["unexpected"]:
    print("Unexpected answers: " + ", ".join(f"{k}: {v}" for k, v in r["unexpected"].items()) + "\n")
