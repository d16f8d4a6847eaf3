"""Privacy room speed and peak memory: an anonymised release of 1M goods items, and public statistics.

Prepares a DuckDB warehouse with a synthetic world once (kept in the workdir), then runs each step in
its own process so each peak RSS is that step's alone:

* ``research``: ``share build --profile research`` with the utility report (two risk models trained);
* ``public``: ``share build --profile public`` without the utility report;
* ``stats``: ``stats publish --by hs2,partner,month`` with cell suppression;
* ``stats-dp``: the same with differential privacy (epsilon 1).

Writes benchmarks/results/privacy.json.

    python benchmarks/privacy.py [--items 1000000] [--workdir /tmp/clearsight-privacy]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "privacy.json"
STEPS = ("research", "public", "stats", "stats-dp")
TARGET_SECONDS = 120.0  # a 1M-item release within two minutes on a 2-core machine


def prepare(items: int, workdir: Path) -> Path:
    from clearsight.core.warehouse import connect
    from clearsight.ingest.load import ingest_file
    from clearsight.synth import generate_world, write_world

    home = workdir / f"home-{items}"
    if (home / "warehouse.duckdb").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    world_dir = workdir / f"world-{items}"
    write_world(generate_world(items, 42), world_dir, "parquet")
    wh = connect(f"duckdb://{home / 'warehouse.duckdb'}")
    for table in ("parties", "declarations", "inspections", "events"):
        source = world_dir / f"{table}.parquet"
        if source.exists():
            ingest_file(wh, table, source)
    wh.close()
    shutil.rmtree(world_dir, ignore_errors=True)
    return home


def peak_rss_mb() -> int:
    """This process's own peak RSS (VmHWM): ru_maxrss would carry the parent's peak across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_step(step: str, home: Path) -> dict:
    """One step in this process; returns its figures (peak RSS is this process's)."""
    from clearsight.core.warehouse import connect
    from clearsight.privacy.release import ReleaseOptions, build_release
    from clearsight.privacy.stats import StatsOptions, publish

    wh = connect(f"duckdb://{home / 'warehouse.duckdb'}")
    out = home / "bench-out" / step
    t0 = time.perf_counter()
    figures: dict = {}
    if step in ("research", "public"):
        options = ReleaseOptions(
            profile=step,
            recipient="bench" if step == "research" else None,
            new_key=True,
            out=out,
            overwrite=True,
            utility=step == "research",
            max_suppression=1.0,
        )
        result = build_release(wh, options, home / "secrets", home / "releases")
        m = result.manifest
        figures = {
            "rows": m["rows"],
            "generalisation": m["generalisation"],
            "search_steps": len(m["search"]),
            "risk_passed": result.risk.passed,
            "prosecutor_highest": result.risk.prosecutor_highest,
            "marketer": result.risk.marketer,
            "sample_uniques_before": result.risk_before.sample_uniques,
            "files_mb": round(sum(f["bytes"] for f in m["files"].values()) / 2**20, 1),
        }
        model = m.get("utility", {}).get("model", {})
        if model.get("budgets"):
            figures["model"] = {
                "engine": model["engine"],
                "test_items": model["test_items"],
                "test_frauds": model["test_frauds"],
                **{
                    f"{kind}_kept_at_{b}": model["budgets"][b][f"{kind}_kept"]
                    for b in model["budgets"]
                    for kind in ("precision", "revenue")
                },
                **{
                    f"precision_original_at_{b}": model["budgets"][b]["precision_original"]
                    for b in model["budgets"]
                },
            }
        elif model:
            figures["model"] = model
    else:
        options = StatsOptions(
            by=["hs2", "partner", "month"],
            dp_epsilon=1.0 if step == "stats-dp" else None,
            out=out,
            overwrite=True,
        )
        m = publish(wh, options, home / "reports" / "statistics")
        figures = m.get("suppression") or {
            "cells": m["differential_privacy"]["cells"],
            "items_accuracy95": m["differential_privacy"]["items"]["accuracy95"],
        }
    seconds = time.perf_counter() - t0
    wh.close()
    return {
        "step": step,
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
        **figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-privacy"))
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: run one step, print its JSON
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.home)))
        return

    t0 = time.perf_counter()
    home = prepare(args.items, args.workdir)
    prepared = time.perf_counter() - t0
    results = []
    for step in args.steps.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--step", step, "--home", str(home)], capture_output=True, text=True
        )
        if out.returncode:
            raise SystemExit(f"step {step} failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"{step}: {result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:,} MB", flush=True)
    report = {
        "benchmark": "privacy: anonymised release and public statistics",
        "items": args.items,
        "prepare_seconds": round(prepared, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1min": round(os.getloadavg()[0], 1),
        },
        "targets": {"release_seconds": TARGET_SECONDS},
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
