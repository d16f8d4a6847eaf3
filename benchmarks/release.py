"""Time Release Study speed and peak memory on DuckDB: the full ``release report`` over 10M events.

A synthetic world (``--items`` goods items) is generated once and its declarations, inspections and
events are copied ``--copies`` times under new declaration ids, straight into a DuckDB warehouse
(the quality gate is measured by benchmarks/ingest.py, not here). The report (every figure of
``clearsight release report``, page dimensions included) and the indicators are then computed in a
fresh process, so its peak RSS is the report's own. Writes benchmarks/results/release.json.
Target: 10M events in under 20 s.

    python benchmarks/release.py [--events 10000000] [--items 300000] [--workdir /tmp/clearsight-release]
                                 [--keep FILE | --reuse FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "release.json"
TARGET_SECONDS = 20.0


def prepare(path: Path, items: int, events: int, seed: int) -> dict:
    """Generate, copy to about ``events`` events, load into the DuckDB file at ``path``."""
    import ibis
    import pyarrow as pa
    import pyarrow.compute as pc

    from clearsight.core.warehouse import connect
    from clearsight.synth import generate_world

    world = generate_world(items, seed)
    copies = max(1, math.ceil(events / world.events.num_rows))
    decl = world.declarations
    for n, width in (("hs2", 2), ("hs4", 4), ("hs6", 6)):
        decl = decl.append_column(n, pc.utf8_slice_codeunits(decl["hs_code"], 0, width))
    wh = connect(f"duckdb://{path}")
    for name, data in (("declarations", decl), ("inspections", world.inspections), ("events", world.events)):
        columns = wh.table(name).schema()
        data = data.append_column("batch_id", pa.array(["benchmark"] * data.num_rows))
        data = data.append_column("quality_flags", pa.nulls(data.num_rows, pa.string()))
        base = wh.create_table(f"base_{name}", data.select(list(columns.names)), overwrite=True)
        copied = ibis.union(
            *[base.mutate(declaration_id=base.declaration_id + f"-{k:02d}") for k in range(copies)]
        )
        wh.create_table(name, copied.cast(columns), overwrite=True)
        wh.drop_table(f"base_{name}")
    counts = {n: wh.table(n).count().to_pyarrow().as_py() for n in ("declarations", "inspections", "events")}
    wh.close()
    return {"copies": copies, "rows": counts}


def count(path: Path) -> dict:
    from clearsight.core.warehouse import connect

    wh = connect(f"duckdb://{path}")
    rows = {n: wh.table(n).count().to_pyarrow().as_py() for n in ("declarations", "inspections", "events")}
    wh.close()
    return {"copies": None, "rows": rows}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(path: Path) -> dict:
    """Time the release report and the indicators; peak RSS of this process."""
    from clearsight.core.warehouse import connect
    from clearsight.release.kpi import kpi_report
    from clearsight.release.report import build_release_report

    wh = connect(f"duckdb://{path}")
    load = os.getloadavg()[0]
    c0 = _cpu()
    t0 = time.perf_counter()
    report = build_release_report(wh, by=["office", "lane"])
    t1 = time.perf_counter()
    c1 = _cpu()
    kpi = kpi_report(wh)
    t2 = time.perf_counter()
    wh.close()
    return {
        "report_seconds": round(t1 - t0, 2),
        # CPU seconds of all threads: on a busy shared machine, wall time says more about the neighbours
        "report_cpu_seconds": round(c1 - c0, 2),
        "load_average_at_start": round(load, 1),
        "kpi_seconds": round(t2 - t1, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "declarations_measured": report["declarations"],
        "excluded": report["excluded"],
        "median_h": round(report["overall"]["median_h"], 3),
        "p90_h": round(report["overall"]["p90_h"], 3),
        "variants": report["paths"]["variants"],
        "kpi_declarations": kpi["overall"]["declarations"],
    }


def _child(step: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, f"--{step}", *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--items", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-release"))
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reuse", type=Path, help="Measure this prepared warehouse file instead of preparing one."
    )
    parser.add_argument("--keep", type=Path, help="Keep a copy of the prepared warehouse at this path.")
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.items, args.events, args.seed)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.count:
        print(json.dumps(count(args.count)))
        return

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    path = args.workdir / "warehouse.duckdb"
    t0 = time.perf_counter()
    if args.reuse:  # a warehouse prepared by an earlier run (--keep), copied so it stays as it was
        shutil.copyfile(args.reuse, path)
        prepared = _child("count", str(path))
    else:
        prepared = _child("prepare", str(path), "--items", str(args.items), "--events", str(args.events))
    prepare_seconds = time.perf_counter() - t0
    result = _child("measure", str(path))
    events = prepared["rows"]["events"]
    result = {
        "events": events,
        **prepared,
        "prepare_seconds": round(prepare_seconds, 1),
        **result,
        "events_per_second": round(events / result["report_seconds"]),
    }
    report = {
        "benchmark": "release report (Time Release Study) and kpi on DuckDB",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets": {"report_seconds_at_10M_events": TARGET_SECONDS},
        "results": [result],
    }
    if args.keep:
        shutil.copyfile(path, args.keep)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(args.workdir, ignore_errors=True)
    verdict = "within" if result["report_seconds"] < TARGET_SECONDS else "OVER"
    print(
        f"{events:,} events, {result['declarations_measured']:,} declarations measured: release report "
        f"{result['report_seconds']:.1f} s ({result['report_cpu_seconds']:.1f} CPU s, load "
        f"{result['load_average_at_start']:g}), kpi {result['kpi_seconds']:.1f} s, peak RSS {result['peak_rss_mb']:,} MB; "
        f"{verdict} the {TARGET_SECONDS:.0f} s target. -> {RESULTS}"
    )


if __name__ == "__main__":
    main()
