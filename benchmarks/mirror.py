"""Mirror analysis speed and peak memory on DuckDB: 20M trade_flows rows by default.

50 reporters x 49 partners x 408 HS6 products x 10 years, imports (flow M, by mode) reported by
each reporter and the mirror exports (flow X) reported by each partner: 19,992,000 rows, written
straight into a DuckDB warehouse with SQL (ingestion has its own benchmark). 1 % of the pairs carry a
planted under-invoicing gap (imports at 40 % of their value, weights unchanged). The analysis
(``build_mirror``: normalisation, pairing, robust z, patterns, revenue at risk, every figure of the
report) runs in a fresh process, so its peak RSS is its own. Writes benchmarks/results/mirror.json.
Target: under 30 s on this machine. Wall time depends on what else runs: the CPU time and the load
average before the run are recorded beside it.

    python benchmarks/mirror.py [--reporters 50] [--products 408] [--years 10] [--workdir /tmp/clearsight-mirror]
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

RESULTS = Path(__file__).parent / "results" / "mirror.json"
TARGET_SECONDS = 30.0
COUNTRIES = (
    "AE",
    "AR",
    "AU",
    "BD",
    "BE",
    "BR",
    "CA",
    "CH",
    "CL",
    "CN",
    "CO",
    "DE",
    "DK",
    "EG",
    "ES",
    "ET",
    "FI",
    "FR",
    "GB",
    "GH",
    "GR",
    "HK",
    "ID",
    "IN",
    "IT",
    "JP",
    "KE",
    "KR",
    "MA",
    "MX",
    "MY",
    "NG",
    "NL",
    "NO",
    "NZ",
    "PE",
    "PH",
    "PK",
    "PL",
    "PT",
    "RU",
    "SA",
    "SE",
    "SG",
    "TH",
    "TR",
    "TZ",
    "UG",
    "US",
    "VN",
)


def generate(path: Path, reporters: int, products: int, years: int) -> int:
    """Write the trade flows into a fresh warehouse at ``path``; return the row count."""
    from clearsight.core.warehouse import connect

    path.unlink(missing_ok=True)
    wh = connect(f"duckdb://{path}")
    countries = ", ".join(f"('{c}', {i})" for i, c in enumerate(COUNTRIES[:reporters]))
    # h: a deterministic uniform in [0, 1) per pair, from a hash of its key
    wh.run_sql(
        f"""
        INSERT INTO trade_flows BY NAME
        WITH c(code, i) AS (VALUES {countries}),
        pairs AS (
            SELECT r.code AS rep, p.code AS par, lpad(CAST(100000 + prod * 23 AS VARCHAR), 6, '0') AS hs,
                   CAST(2015 + y AS VARCHAR) AS period,
                   (hash(r.i, p.i, prod, y) % 1000003) / 1000003.0 AS h,
                   (hash(prod) % 1000) / 1000.0 AS hp
            FROM c r, c p, range({products}) t(prod), range({years}) u(y)
            WHERE r.i <> p.i
        ),
        valued AS (
            SELECT *, exp(7 + 6 * hp + 2 * h) AS fob, exp(1 + 4 * hp) AS uv,
                   h < 0.01 AS planted,
                   exp(0.05 * ((hash(rep, par, hs, period, 'noise') % 2001) / 1000.0 - 1)) AS noise
            FROM pairs
        )
        SELECT rep AS reporter, par AS partner, 'M' AS flow, hs AS hs_code, period,
               round(fob * 1.1 * noise * CASE WHEN planted THEN 0.4 ELSE 1 END) AS value_usd,
               round(fob / uv, 1) AS net_weight_kg, NULL AS quantity, NULL AS quantity_unit,
               ['sea', 'air', 'road', NULL][1 + CAST(floor(h * 1000) AS BIGINT) % 4] AS mode,
               'benchmark' AS batch_id
        FROM valued
        UNION ALL
        SELECT par, rep, 'X', hs, period, round(fob), round(fob / uv / noise, 1), NULL, NULL, NULL, 'benchmark'
        FROM valued
        """
    )
    n = wh.sql_scalar("SELECT count(*) FROM trade_flows")
    wh.close()
    return n


def _cpu_seconds() -> float:
    """User + system CPU time of this process (DuckDB's threads included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def analyse(path: Path) -> dict:
    """Run the mirror analysis (in this process) and return timings and findings."""
    from clearsight.core.warehouse import connect
    from clearsight.trade.mirror import MirrorSettings
    from clearsight.trade.report import build_mirror

    wh = connect(f"duckdb://{path}")
    load_before = os.getloadavg()[0]
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    report = build_mirror(wh, settings=MirrorSettings(duty_rate=10.0), limit=50)
    seconds = time.perf_counter() - t0
    cpu_seconds = _cpu_seconds() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t1 = time.perf_counter()
    from clearsight.trade.html import render_html

    page_kb = len(render_html(report)) / 1024
    html_seconds = time.perf_counter() - t1
    # Detection (not timed): how many planted gaps come out as valuation gaps.
    from clearsight.trade.flows import normalised_flows
    from clearsight.trade.mirror import FLAGGED, mirror_pairs

    flows, _ = normalised_flows(wh)
    pairs = mirror_pairs(flows, MirrorSettings())
    # a planted pair has its import at 40 % of 1.1 x FOB: a log ratio near ln(0.4); hubs show as entrepot
    found = pairs.aggregate(
        planted=pairs.count(where=pairs.log_ratio < -0.7),
        flagged_planted=pairs.count(where=(pairs.log_ratio < -0.7) & pairs.pattern.isin(list(FLAGGED))),
        flagged=pairs.count(where=pairs.pattern.isin(list(FLAGGED))),
    ).to_pyarrow()
    found = found.to_pylist()[0]
    wh.close()
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average_before": round(load_before, 2),
        "peak_rss_mb": round(peak_mb),
        "html_seconds": round(html_seconds, 2),
        "html_kb": round(page_kb),
        "pairs": report.pairs,
        "flagged": report.flagged,
        "patterns": report.patterns,
        "median_ratio": round(report.median_ratio, 4) if report.median_ratio else None,
        "planted_gaps": found["planted"],
        "planted_gaps_flagged": found["flagged_planted"],
        "recall": round(found["flagged_planted"] / max(found["planted"], 1), 4),
        "precision": round(found["flagged_planted"] / max(found["flagged"], 1), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--products", type=int, default=408)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-mirror"))
    parser.add_argument("--keep", action="store_true", help="Keep the generated warehouse for --reuse.")
    parser.add_argument("--reuse", action="store_true", help="Reuse a kept warehouse of the same size.")
    parser.add_argument("--analyse", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.analyse:
        print(json.dumps(analyse(args.analyse)))
        return
    if not 2 <= args.reporters <= len(COUNTRIES):
        parser.error(f"--reporters must be between 2 and {len(COUNTRIES)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"warehouse-{args.reporters}-{args.products}-{args.years}.duckdb"
    t0 = time.perf_counter()
    if args.reuse and path.exists():
        import duckdb

        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute("SELECT count(*) FROM trade_flows").fetchone()[0]
        generate_seconds = None
    else:
        rows = generate(path, args.reporters, args.products, args.years)
        generate_seconds = round(time.perf_counter() - t0, 2)
    child = subprocess.run(
        [sys.executable, __file__, "--analyse", str(path)], capture_output=True, text=True, check=False
    )
    if child.returncode != 0:
        sys.exit(f"analysis failed:\n{child.stderr[-3000:]}")
    result = {
        "rows": rows,
        "reporters": args.reporters,
        "products": args.products,
        "years": args.years,
        "generate_seconds": generate_seconds,
        **json.loads(child.stdout.strip().splitlines()[-1]),
    }
    import duckdb
    import ibis

    report = {
        "benchmark": "mirror analysis (build_mirror) over trade_flows on DuckDB",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "ibis": ibis.__version__,
        },
        "targets": {"seconds": TARGET_SECONDS, "rows": 20_000_000},
        "results": [result],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    if not args.keep:
        path.unlink(missing_ok=True)
    verdict = "within" if result["seconds"] < TARGET_SECONDS else "OVER"
    print(
        f"{rows:,} trade_flows rows: mirror analysis {result['seconds']:.1f} s "
        f"({result['cpu_seconds']:.1f} s CPU, load average {result['load_average_before']:.1f}), peak RSS "
        f"{result['peak_rss_mb']:,} MB ({verdict} the {TARGET_SECONDS:.0f} s target); {result['pairs']:,} pairs, "
        f"planted gaps found {result['recall']:.1%} (precision {result['precision']:.1%}); "
        f"data generated in {generate_seconds} s -> {RESULTS}"
    )


if __name__ == "__main__":
    main()
