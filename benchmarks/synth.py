"""Synthetic world speed and peak memory: generate_world + write_world, at 1M goods items by default.

Times generation and writing separately, in this process (run it alone: peak RSS is the whole
process's). Writes benchmarks/results/synth.json. The target is 1M items in under a minute on a
2-core machine, CSV included.

    python benchmarks/synth.py [--items 1000000] [--format csv|parquet] [--workdir /tmp/clearsight-synth]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from clearsight.synth import generate_world, write_world

RESULTS = Path(__file__).parent / "results" / "synth.json"
TARGET_SECONDS_PER_MILLION = 60.0


def _other_results(items: int, fmt: str) -> list[dict]:
    """Results of earlier runs at other sizes or formats (one result per size and format)."""
    if not RESULTS.exists():
        return []
    earlier = json.loads(RESULTS.read_text()).get("results", [])
    return [r for r in earlier if (r.get("items"), r.get("format")) != (items, fmt)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-synth"))
    parser.add_argument("--keep", action="store_true", help="Keep the files written.")
    args = parser.parse_args()

    out = args.workdir / f"world-{args.items}"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    world = generate_world(args.items, args.seed)
    t1 = time.perf_counter()
    paths = write_world(world, out, args.format)
    t2 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    seconds = t2 - t0
    rows = {
        name: t.num_rows for name, t in {**world.data_tables(), "ground_truth": world.ground_truth}.items()
    }
    result = {
        "items": args.items,
        "format": args.format,
        "seconds": round(seconds, 2),
        "generate_seconds": round(t1 - t0, 2),
        "write_seconds": round(t2 - t1, 2),
        "items_per_second": round(args.items / seconds),
        "peak_rss_mb": round(peak_mb),
        "files_mb": round(sum(p.stat().st_size for p in paths) / 2**20),
        "rows": rows,
        "fraud_rate": world.params["actual"]["fraud_rate"],
        "inspection_rate": world.params["actual"]["inspection_rate"],
    }
    report = {
        "benchmark": "synthetic world: generate_world + write_world",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
        },
        "targets": {"seconds_per_million_items": TARGET_SECONDS_PER_MILLION},
        "results": [result, *_other_results(args.items, args.format)],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    per_million = seconds / args.items * 1e6
    verdict = "within" if per_million < TARGET_SECONDS_PER_MILLION else "OVER"
    print(
        f"{args.items:,} items ({args.format}): {seconds:.1f} s "
        f"(generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s), {args.items / seconds:,.0f} items/s, "
        f"peak RSS {peak_mb:,.0f} MB, {result['files_mb']:,} MB of files; "
        f"{verdict} the {TARGET_SECONDS_PER_MILLION:.0f} s per million target. -> {RESULTS}"
    )


if __name__ == "__main__":
    main()
