"""Performance-contract and integrity indicators on a large warehouse: the issue's target is 10 million
clearance events. Declarations (one goods item each, 20 offices, 300 officers, 20,000 importers of
very unequal size, as trade is: the largest tens have enough controls at an office for the trader
affinity test, its month strata included, to run at scale; a year), their
inspections (7 %: yellow and red, some found) and ten milestones per declaration are generated in
DuckDB with SQL; then one national contract (nine indicators, twelve months) and every integrity
indicator are computed, timed separately.

Writes benchmarks/results/pmc.json (events, seconds per stage, peak RSS, flags raised).
Run: .venv/bin/python benchmarks/pmc.py [--events 10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "pmc.json"
MILESTONES = ("arrival", "lodgement", "registration", "selection", "document_check", "inspection_start",
              "inspection_end", "assessment", "payment", "release")
CONTRACT = """id: national
office: all
period: {from: 2024-01, to: 2024-12}
indicators:
  median_release_h: 24
  p90_release_h: 72
  within_tfa_target: 0.8
  red_share: 0.05
  yellow_share: 0.08
  hit_rate: 0.15
  revenue_per_control: 1000
  random_noncompliance: 0.05
  quality_flagged_share: 0.02
"""


def build(wh, declarations: int) -> None:
    """Declarations, inspections and events made by SQL in the warehouse (ten events per declaration)."""
    n = declarations
    wh.run_sql(f"""INSERT INTO declarations (declaration_id, item_no, lodged_at, office_id, declarant_id, importer_id,
        country_of_origin, hs_code, customs_value, duty_tax_amount)
        SELECT 'D' || i, 1, TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i) % 31536000 AS BIGINT)),
        'OF' || lpad(CAST(i % 20 AS VARCHAR), 2, '0'), 'DC' || (hash(i * 3) % 500), 'IM' || CAST(floor(20000 * pow((hash(i * 7) % 1000000) / 1000000.0, 3)) AS BIGINT),
        'CN', lpad(CAST(hash(i * 11) % 999999 AS VARCHAR), 6, '0'), 1000 + hash(i) % 100000, 100 + hash(i) % 10000
        FROM range({n}) t(i)""")
    wh.run_sql(f"""INSERT INTO inspections (declaration_id, item_no, lane, method, inspected_at, result,
        additional_revenue, officer_id)
        SELECT 'D' || i, 1, CASE WHEN hash(i * 5) % 3 = 0 THEN 'red' ELSE 'yellow' END, 'physical',
        TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i) % 31536000 AS BIGINT) + 7200),
        CASE WHEN hash(i * 13) % 10 = 0 THEN 'fraud' ELSE 'compliant' END,
        CASE WHEN hash(i * 13) % 10 = 0 THEN 5000.0 ELSE 0.0 END,
        'OF' || lpad(CAST(i % 20 AS VARCHAR), 2, '0') || '-O' || (hash(i * 17) % 15)
        FROM range({n}) t(i) WHERE hash(i * 19) % 100 < 7""")
    cases = " ".join(f"WHEN {k} THEN '{m}'" for k, m in enumerate(MILESTONES))
    wh.run_sql(f"""INSERT INTO events (declaration_id, event, "at", office_id, agency)
        SELECT 'D' || i, CASE k {cases} END,
        TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i) % 31536000 AS BIGINT) + k * (600 + hash(i * 23) % 7200)),
        'OF' || lpad(CAST(i % 20 AS VARCHAR), 2, '0'), 'customs'
        FROM range({n}) t(i), range({len(MILESTONES)}) m(k)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    args = parser.parse_args()
    from clearsight.core.warehouse import connect
    from clearsight.performance import contract_status, integrity_report, parse_contract

    with tempfile.TemporaryDirectory() as tmp:
        wh = connect(f"duckdb://{Path(tmp) / 'warehouse.duckdb'}")
        wh.hide_progress()
        t0 = time.perf_counter()
        build(wh, args.events // len(MILESTONES))
        t1 = time.perf_counter()
        status = contract_status(wh, parse_contract(CONTRACT, "benchmark"))
        t2 = time.perf_counter()
        integrity = integrity_report(wh)
        t3 = time.perf_counter()
        events = int(wh.table("events").count().to_pyarrow().as_py())
        wh.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "events": events,
        "declarations": status["declarations"],
        "controls": status["controls"],
        "seconds": {"build": round(t1 - t0, 2), "contract_status": round(t2 - t1, 2),
                    "integrity": round(t3 - t2, 2), "indicators_total": round(t3 - t1, 2)},
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "integrity_tested": {f"{i['indicator']}/{i['level']}": i["tested"] for i in integrity["indicators"]},
        "flags": len(integrity["flags"]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()[0]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
