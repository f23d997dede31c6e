"""Where a `sam build` of every function spends its time, from the rustc
calls bench/rustc_timer.sh logged during it: the wall-clock seconds in which
at least one function's binary was being optimised and linked (its crate of
type bin for the Lambda target, which holds the LTO), and those in which only
other crates compiled; then each binary's own seconds and zipped size.
usage: sam_build.py RUSTC_TIMES WALL_SECONDS COMMAND SIZES_JSON > bench/sam-build.md
(SIZES_JSON from bench/sizes.py --json)"""

import json
import sys


def covered(intervals):
    """Seconds covered by the union of (start, end) intervals."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def at_least(intervals, n):
    """Seconds in which at least n of the (start, end) intervals overlap."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    total, depth, since = 0.0, 0, None
    for time, step in events:
        if depth >= n:
            total += time - since
        depth += step
        since = time
    return total


def main():
    path, wall, command = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    sizes = {k.replace("-", ""): v for k, v in json.load(open(sys.argv[4])).items()}
    calls = []
    for line in open(path):
        start, end, name, kind, target = line.split()
        calls.append((float(start), float(end), name, kind, target))
    links = [c for c in calls if c[3] == "bin" and c[4] != "host" and not c[2].startswith("build_script")]
    others = [c for c in calls if c not in links]
    link_wall = covered([(c[0], c[1]) for c in links])
    compile_wall = covered([(c[0], c[1]) for c in calls]) - link_wall
    shared = [c for c in others if c[2] == "shared" and c[4] != "host"]
    w = print
    w("## `sam build` of every function (arm64)\n")
    w(f"`{command}` on a fresh clone (no `target/`), 2 cores; rustc calls timed by `bench/rustc_timer.sh`. "
      "sam builds every function through the Makefile (`scripts/lambda-build`): the functions without the AWS "
      "SDK in one cargo invocation, the others in a second, so each dependency compiles about once and two "
      "fat-LTO links run at a time; the later functions' builds find their binaries fresh.\n")
    w("| | minutes |")
    w("|---|---|")
    w(f"| the whole `sam build` | {wall / 60:.1f} |")
    w(f"| while a function's binary was optimised and linked (its LTO) | {link_wall / 60:.1f} |")
    w(f"| of which two links ran at once | {at_least([(c[0], c[1]) for c in links], 2) / 60:.1f} |")
    w(f"| while only other crates compiled | {compile_wall / 60:.1f} |")
    w(f"| the rest (sam, cargo-lambda, zig, copying) | {(wall - link_wall - compile_wall) / 60:.1f} |")
    w("")
    w(f"{len(links)} binaries linked, {len(others)} other rustc calls; `shared` compiled {len(shared)} times for "
      f"the Lambda target, {sum(c[1] - c[0] for c in shared) / 60:.1f} minutes in all.\n")
    w("Crates compiled for the Lambda target, by their seconds in all (a crate both invocations use is "
      "compiled in each):\n")
    w("| crate | compiles | seconds in all |")
    w("|---|---|---|")
    per_crate = {}
    for start, end, name, kind, target in others:
        if target != "host":
            count, seconds = per_crate.get(name, (0, 0.0))
            per_crate[name] = (count + 1, seconds + end - start)
    for name, (count, seconds) in sorted(per_crate.items(), key=lambda kv: -kv[1][1])[:12]:
        w(f"| {name} | {count} | {seconds:.0f} |")
    w("")
    w("| function | its binary's LTO and link, s | zipped bootstrap, MB | its limit, MB |")
    w("|---|---|---|---|")
    for start, end, name, _, _ in sorted(links, key=lambda c: c[0] - c[1]):
        size = sizes.get(name.replace("_", ""), {})
        zipped = f"{size['zipped'] / 1e6:.2f}" if size else "not built"
        limit = f"{size['limit'] / 1e6:.0f}" if size else ""
        w(f"| {name.replace('_', '-')} | {end - start:.0f} | {zipped} | {limit} |")


if __name__ == "__main__":
    main()
