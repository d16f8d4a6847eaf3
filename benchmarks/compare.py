"""Before / after: every benchmark run on two source trees, back to back, on this machine.

A change that should not change speed (a refactor) is checked by running each benchmark on the tree
before it and the tree after it, one right after the other, so both meet the same machine load. Each
tree runs its own benchmark scripts against its own sources (``PYTHONPATH=<tree>/src``), writing into
its own ``benchmarks/results``; this script then compares every number the two result files share
and the wall time, and writes ``benchmarks/results/before_after.json``.

Sizes are smaller than each benchmark's defaults so the whole comparison takes about half an hour;
the figures to quote for a target stay those of the full-size runs.

    git worktree add /tmp/before <rev-before>; git worktree add /tmp/after HEAD
    .venv/bin/python benchmarks/compare.py --before /tmp/before --after /tmp/after
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "before_after.json"

#: Each benchmark with arguments that keep it to a minute or two here.
RUNS: dict[str, list[str]] = {
    "synth": ["--items", "300000"],
    "ingest": ["--sizes", "1000000", "--repeat", "2"],
    "risk": ["--items", "100000", "--score-items", "300000", "--train-items", "300000", "--fit-rows", "300000"],
    "selectivity": ["--items", "300000"],
    "simulate": ["--items", "100000", "--weeks", "8", "--seeds", "0"],
    "feedback": ["--items", "60000"],
    "api": ["--items", "20000", "--requests", "10000"],
    "shared_warehouse": [],
    "auth_flood": [],
    "release": ["--events", "1000000", "--items", "100000"],
    "mirror": ["--reporters", "20", "--years", "5"],
    "hs": ["--eval-items", "50000", "--train-items", "200000"],
    "privacy": ["--items", "200000"],
}

#: Benchmarks that keep a workspace between runs get one per tree (a newer tree migrates its app store,
#: which the older one cannot open); the API and shared-warehouse benchmarks share theirs.
WORKDIRS = {"api": "api", "shared_warehouse": "api"}

#: Numbers that describe the run, not its speed or quality.
CONTEXT_KEYS = ("seed", "items", "rows", "size", "clients", "requests", "weeks", "machine", "target", "cpus")


def run(tree: Path, name: str, args: list[str], side: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    if name in WORKDIRS:
        args = [*args, "--workdir", f"/tmp/clearsight-compare/{side}/{WORKDIRS[name]}"]
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / f"{name}.py"), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    after = os.times()
    out = {
        "exit": proc.returncode,
        "wall_s": round(time.perf_counter() - start, 2),
        "child_cpu_s": round(
            (after.children_user - before.children_user) + (after.children_system - before.children_system), 2
        ),
    }
    if proc.returncode != 0:
        out["stderr_tail"] = proc.stderr[-2000:]
    result = tree / "benchmarks" / "results" / f"{name}.json"
    if result.exists():
        out["figures"] = json.loads(result.read_text())
    return out


def revision(tree: Path) -> str:
    """The commit a tree is at (``git rev-parse --short HEAD``), or the tree's path outside git."""
    found = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() or str(tree)


def leaves(data, prefix: str = "") -> dict[str, float]:
    """Every number in a result file, by its path (``score.requests_per_s``)."""
    out: dict[str, float] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(leaves(value, f"{prefix}{key}."))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.update(leaves(value, f"{prefix}{i}."))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        out[prefix.rstrip(".")] = float(data)
    return out


def compare(before: dict, after: dict) -> dict[str, dict]:
    a, b = leaves(before.get("figures", {})), leaves(after.get("figures", {}))
    shared = {}
    for key in sorted(a.keys() & b.keys()):
        if any(part in key for part in CONTEXT_KEYS):
            continue
        x, y = a[key], b[key]
        shared[key] = {"before": x, "after": y, "ratio": round(y / x, 3) if x else None}
    return shared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="Source tree before the change.")
    parser.add_argument("--after", type=Path, required=True, help="Source tree after the change.")
    parser.add_argument("--only", nargs="+", default=list(RUNS), help="Benchmarks to run (default: all).")
    args = parser.parse_args()
    report = {"before": str(args.before), "after": str(args.after), "benchmarks": {}}
    if RESULTS.exists():  # keep earlier benchmarks when only some are run again
        report["benchmarks"] = json.loads(RESULTS.read_text()).get("benchmarks", {})
    for name in args.only:
        print(f"{name}: before ...", file=sys.stderr, flush=True)
        first = run(args.before, name, RUNS[name], "before")
        print(f"{name}: after ...", file=sys.stderr, flush=True)
        second = run(args.after, name, RUNS[name], "after")
        entry = {
            "args": RUNS[name],
            "revisions": [revision(args.before), revision(args.after)],
            "exit": [first["exit"], second["exit"]],
            "wall_s": [first["wall_s"], second["wall_s"]],
            "child_cpu_s": [first["child_cpu_s"], second["child_cpu_s"]],
            "figures": compare(first, second),
        }
        for side, res in (("before", first), ("after", second)):
            if "stderr_tail" in res:
                entry[f"{side}_error"] = res["stderr_tail"]
        report["benchmarks"][name] = entry
        print(
            f"{name}: wall {first['wall_s']} s -> {second['wall_s']} s, "
            f"cpu {first['child_cpu_s']} s -> {second['child_cpu_s']} s, exit {entry['exit']}",
            file=sys.stderr,
            flush=True,
        )
        RESULTS.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
