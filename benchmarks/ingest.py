"""Ingestion throughput and peak memory: CSV → quality gate → DuckDB warehouse, at 1M and 5M items.

Each size runs in a fresh process so its peak RSS is its own. The file is a canonical declarations
CSV with realistic text (ids, dates, country names and codes, dotted HS codes) and 0.1 % bad rows,
so the gate does its full work. Beside the wall time, each figure records the CPU seconds the
ingestion used and the load average around it: on a shared machine the wall time alone says little.
Writes benchmarks/results/ingest.json.

    python benchmarks/ingest.py [--sizes 1000000 5000000] [--workdir /tmp/clearsight-bench]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

RESULTS = Path(__file__).parent / "results" / "ingest.json"


def make_csv(path: Path, items: int) -> None:
    """Write ``items`` declaration rows with DuckDB (fast, deterministic)."""
    if path.exists():
        return
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT
            'D' || lpad(CAST(i // 3 AS VARCHAR), 9, '0') AS declaration_id,
            i % 3 + 1 AS item_no,
            strftime(TIMESTAMP '2023-01-01' + INTERVAL (i % 63072000) SECOND, '%Y-%m-%d %H:%M:%S') AS lodged_at,
            'OF' || (i % 37) AS office_id,
            'DC' || (hash(i) % 500) AS declarant_id,
            'IM' || (hash(i * 7) % 20000) AS importer_id,
            'SL' || (hash(i * 11) % 30000) AS seller_id,
            ['CN', 'DEU', 'India', 'VN', 'US', 'Turkey', 'BR', 'FR'][1 + i % 8] AS country_of_origin,
            ['CN', 'DE', 'IN', 'VN', 'US', 'TR', 'BR', 'FR'][1 + (i // 8) % 8] AS country_of_export,
            CASE WHEN i % 1000 = 7 THEN '84X130' ELSE
              ['8471.30.00', '6109.10.00', '0101.21', '8517.13.00', '3004.90', '6403.99', '8703.23', '2402.20']
              [1 + (i // 3) % 8] END AS hs_code,
            'goods item ' || (i % 977) AS goods_description,
            round(1 + (hash(i * 13) % 1000), 0) AS quantity,
            'u' AS quantity_unit,
            CASE WHEN i % 1000 = 3 THEN '-5' ELSE CAST(round(1 + (hash(i * 17) % 50000) / 10.0, 1) AS VARCHAR) END
              AS net_mass_kg,
            round(1 + (hash(i * 17) % 50000) / 10.0, 1) * 1.1 AS gross_mass_kg,
            CASE WHEN i % 1000 = 5 THEN 'n/a' ELSE CAST(round(10 + (hash(i * 19) % 900000) / 10.0, 2) AS VARCHAR) END
              AS customs_value,
            ['sea', 'air', 'road', '4', 'courier'][1 + i % 5] AS mode_of_transport,
            [0, 5, 10, 20][1 + i % 4] AS duty_rate
          FROM range({items}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def run_one(csv: Path, home: Path) -> dict:
    """Ingest in this process (called in a child); return the figures."""
    from clearsight.ingest.load import ingest_file
    from clearsight.warehouse import connect

    home.mkdir(parents=True, exist_ok=True)
    wh = connect(f"duckdb://{home / 'warehouse.duckdb'}")
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    result = ingest_file(wh, "declarations", csv, tmp_dir=home / "tmp", memory_limit="1GB")
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    load_after = os.getloadavg()[0]
    wh.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows_in": result.rows_in,
        "accepted": result.accepted,
        "quarantined": result.quarantined,
        "seconds": round(seconds, 2),
        "rows_per_second": round(result.rows_in / seconds),
        "cpu_seconds": round(cpu, 2),
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "peak_rss_mb": round(peak_mb),
        "file_mb": round(csv.stat().st_size / 2**20),
        "warehouse_mb": round((home / "warehouse.duckdb").stat().st_size / 2**20),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-bench"))
    parser.add_argument("--child", nargs=2, metavar=("CSV", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), Path(args.child[1]))))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    figures = []
    for size in args.sizes:
        csv = args.workdir / f"declarations_{size}.csv"
        make_csv(csv, size)
        home = args.workdir / f"home_{size}"
        subprocess.run(["rm", "-rf", str(home)], check=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(csv), str(home)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = {"items": size, **json.loads(out.stdout.strip().splitlines()[-1])}
        assert row["rows_in"] == row["accepted"] + row["quarantined"]
        figures.append(row)
        print(
            f"{size:>10,} items: {row['rows_per_second']:>9,} rows/s, peak {row['peak_rss_mb']:,} MB, "
            f"{row['quarantined']:,} quarantined, {row['seconds']} s ({row['cpu_seconds']} s CPU, "
            f"load average {row['load_average_1min'][0]} -> {row['load_average_1min'][1]})"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "ingest declarations CSV -> quality gate -> DuckDB warehouse",
                "machine": {
                    "cpus": _cpus(),
                    "python": platform.python_version(),
                    "duckdb": duckdb.__version__,
                },
                "targets": {"rows_per_second": 300_000, "peak_rss_mb": 2048},
                "results": figures,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {RESULTS}")


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
