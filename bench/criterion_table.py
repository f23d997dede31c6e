#!/usr/bin/env python3
"""Prints criterion medians as a Markdown table, with each benchmark's ratio
against its group's baseline (the `bare_*` function measured in the same run).

usage: criterion_table.py TARGET_CRITERION_DIR GROUP_PREFIX...
"""
import json
import pathlib
import sys


def median_ns(bench_dir: pathlib.Path) -> float:
    estimates = json.loads((bench_dir / "new" / "estimates.json").read_text())
    return estimates["median"]["point_estimate"]


def human(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main() -> None:
    root = pathlib.Path(sys.argv[1])
    prefixes = sys.argv[2:]
    print("| benchmark | median | baseline (same run) | ratio |")
    print("|---|---|---|---|")
    for group_json in sorted(root.glob("**/new/benchmark.json")):
        meta = json.loads(group_json.read_text())
        group, function = meta["group_id"], meta["function_id"]
        if not any(group.startswith(p) for p in prefixes) or function.startswith("bare"):
            continue
        bench_dir = group_json.parent.parent
        here = median_ns(bench_dir)
        baselines = [p for p in bench_dir.parent.iterdir() if p.name.startswith("bare")]
        if baselines:
            base = median_ns(baselines[0])
            print(f"| `{group}/{function}` | {human(here)} | {human(base)} (`{baselines[0].name}`) | {here / base:.2f} |")
        else:
            print(f"| `{group}/{function}` | {human(here)} | | |")


if __name__ == "__main__":
    main()
