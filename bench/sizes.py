#!/usr/bin/env python3
"""Zipped size of every function's bootstrap (deflate, level 9, as Lambda
receives it) against the size targets (BENCHMARKS.md): the authorizer at most 2 MB, the others 6 MB.

usage: sizes.py BUILD_DIR [--check] [--json OUT]
BUILD_DIR holds <function>/bootstrap: .aws-sam/build (sam build) or
target/lambda (cargo lambda build).
"""
import io
import json
import pathlib
import sys
import zipfile

LIMITS = {"authorizer": 2_000_000}
DEFAULT_LIMIT = 6_000_000


def name_of(directory):
    # SAM names builds after resources (AuthorizerFunction), cargo-lambda after binaries.
    return directory.name.removesuffix("Function").lower()


def measure(build_dir):
    sizes = {}
    for bootstrap in sorted(pathlib.Path(build_dir).glob("*/bootstrap")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.write(bootstrap, "bootstrap")
        name = name_of(bootstrap.parent)
        sizes[name] = {"bootstrap": bootstrap.stat().st_size, "zipped": len(buffer.getvalue()),
                       "limit": LIMITS.get(name, DEFAULT_LIMIT)}
    return sizes


def main():
    args = sys.argv[1:]
    sizes = measure(args[0])
    if not sizes:
        sys.exit(f"no */bootstrap under {args[0]}")
    print(f"{'function':<12}{'bootstrap':>12}{'zipped':>12}{'limit':>12}")
    for name, s in sizes.items():
        verdict = "ok" if s["zipped"] <= s["limit"] else "OVER THE LIMIT"
        print(f"{name:<12}{s['bootstrap']:>12,}{s['zipped']:>12,}{s['limit']:>12,}  {verdict}")
    if "--json" in args:
        pathlib.Path(args[args.index("--json") + 1]).write_text(json.dumps(sizes, indent=2))
    if "--check" in args and any(s["zipped"] > s["limit"] for s in sizes.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
