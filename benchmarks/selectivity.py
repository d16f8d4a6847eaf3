"""Lane decision speed: 1M scored goods items through rules, random control, exploration and budgets.

What ``clearsight select`` does once the model has scored a batch: the rules (seven typical ones,
SQL conditions included) run as one Ibis expression in DuckDB over the declarations table, then the
exploration ranking, the per-item random-control draws and the per-office budgets
(``decide_lanes``), and the ``selections`` rows are built. The declarations and their scores are
synthesised here (not timed); the write of the rows into the warehouse is timed separately. Also
times the real-time decider on single-item declarations (the scoring API's path).

Run it alone (peak RSS is the whole process's). Writes benchmarks/results/selectivity.json; the
target is 200,000 items per second.

    python benchmarks/selectivity.py [--items 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.warehouse import Warehouse
from clearsight.rules.profiles import RuleSet, declarations_schema, rule_of
from clearsight.rules.rows import RowRules
from clearsight.schema.tables import LANES
from clearsight.selectivity.explore import exploration_priority
from clearsight.selectivity.lanes import decide_lanes, quantile_thresholds
from clearsight.selectivity.policy import SelectionPolicy
from clearsight.selectivity.realtime import RealtimeDecider
from clearsight.selectivity.select import random_draws
from clearsight.selectivity.selections import ARROW_SCHEMA, selections_table, write_selections

RESULTS = Path(__file__).parent / "results" / "selectivity.json"
TARGET_ITEMS_PER_SECOND = 200_000
POLICY = SelectionPolicy(
    red_budget=0.05,
    yellow_budget=0.10,
    blue_budget=0.02,
    random_rate=0.005,
    explore_share=0.10,
    aeo_factor=0.5,
)
RULES = [
    {
        "name": "cn-solar",
        "lane": "red",
        "reason": "undervalued PV modules",
        "hs_codes": "8541",
        "countries_of_origin": "CN",
    },
    {"name": "cheap-kilos", "lane": "yellow", "reason": "unit value below 0.5 per kg", "max_unit_value": 0.5},
    {
        "name": "watch-list",
        "lane": "red",
        "reason": "intelligence",
        "importers": [f"IM{i:06d}" for i in range(0, 5000, 100)],
    },
    {
        "name": "preference",
        "lane": "yellow",
        "reason": "preference claims on high duty",
        "condition": "duty_rate >= 20 AND preference_code IS NOT NULL",
    },
    {
        "name": "aeo-small",
        "lane": "green",
        "reason": "AEO facilitation",
        "condition": "aeo_status AND customs_value < 5000",
    },
    {
        "name": "air-audit",
        "lane": "blue",
        "reason": "post-clearance audit",
        "offices": "KEAIR01",
        "modes_of_transport": "air",
        "min_customs_value": 500_000,
    },
    {
        "name": "used-goods",
        "lane": "yellow",
        "reason": "used goods",
        "condition": "lower(goods_description) LIKE '%used%'",
        "valid_from": "2024-01-01",
    },
]
WORDS = [
    "new",
    "used",
    "spare parts",
    "textiles",
    "machinery",
    "frozen fish",
    "solar modules",
    "phones",
    "toys",
    "tyres",
]


def declarations(n: int, seed: int) -> pa.Table:
    """n goods items with every canonical declaration field (skewed offices, traders and goods)."""
    rng = np.random.default_rng(seed)
    offices = np.array([f"KE{k}{i:02d}" for k in ("SEA", "AIR", "LND", "INL") for i in range(1, 7)])
    weights = 1 / np.arange(1, offices.size + 1)
    hs = np.array(
        [
            f"{rng.integers(1, 98):02d}{rng.integers(0, 10000):04d}{rng.integers(0, 100):02d}"
            for _ in range(3000)
        ]
    )
    hs[:50] = [f"8541{i:04d}" for i in range(50)]
    countries = np.array(
        ["CN", "IN", "US", "DE", "JP", "TR", "VN", "ZA", "AE", "IT", "FR", "GB", "TH", "MY", "BR"]
    )
    modes = np.array(["sea", "air", "road", "rail", "courier"])
    start = np.datetime64("2024-01-01T00:00:00", "us")
    value = np.round(np.exp(rng.normal(9.5, 1.6, n)), 2)
    mass = np.round(np.exp(rng.normal(6.0, 1.5, n)), 3)
    schema = declarations_schema().to_pyarrow()
    columns = {
        "declaration_id": pa.array(np.char.add("D", (np.arange(n) // 3).astype(str))),
        "item_no": pa.array(np.arange(n) % 3 + 1, pa.int64()),
        "lodged_at": pa.array(
            start + (np.sort(rng.integers(0, 7 * 86400, n)) * 1_000_000).astype("timedelta64[us]")
        ),
        "office_id": pa.array(offices[rng.choice(offices.size, n, p=weights / weights.sum())]),
        "mode_of_transport": pa.array(modes[rng.integers(0, modes.size, n)]),
        "declarant_id": pa.array(np.char.add("DC", rng.integers(0, 800, n).astype(str))),
        "importer_id": pa.array(
            np.char.add("IM", np.char.zfill(rng.zipf(1.3, n).clip(0, 99_999).astype(str), 6))
        ),
        "seller_id": pa.array(np.char.add("SL", rng.integers(0, 30_000, n).astype(str))),
        "country_of_origin": pa.array(countries[rng.integers(0, countries.size, n)]),
        "country_of_export": pa.array(countries[rng.integers(0, countries.size, n)]),
        "hs_code": pa.array(hs[rng.integers(0, hs.size, n)]),
        "goods_description": pa.array(np.array(WORDS)[rng.integers(0, len(WORDS), n)]),
        "net_mass_kg": pa.array(mass),
        "customs_value": pa.array(value),
        "duty_rate": pa.array(rng.choice([0.0, 5.0, 10.0, 25.0, 35.0], n)),
        "preference_code": pa.array(np.where(rng.random(n) < 0.1, "EPA", None)),
        "aeo_status": pa.array(rng.random(n) < 0.2),
    }
    columns["hs6"] = pc.utf8_slice_codeunits(columns["hs_code"], 0, 6)
    return pa.table({f.name: columns.get(f.name, pa.nulls(n, f.type)).cast(f.type) for f in schema})


def scores(n: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """Model scores and the history counts exploration reads (what scoring hands over)."""
    rng = np.random.default_rng(seed + 1)
    p = rng.beta(0.6, 8.0, n)
    revenue = np.exp(rng.normal(8.0, 1.5, n))
    scored = pa.table({"fraud_probability": p, "expected_revenue": p * revenue, "score": p})
    history = pa.table(
        {
            f"hist_n_{k}": pa.array(rng.poisson(lam, n), pa.int64())
            for k, lam in (("importer", 6.0), ("declarant", 20.0), ("hs6_origin", 3.0))
        }
    )
    return scored, history


def decide(con, rules: RuleSet, scored: pa.Table, history: pa.Table, seed: int) -> tuple[pa.Table, dict]:
    """The timed part: rules in DuckDB, exploration, random draws, budgets, the selections rows."""
    timings = {}
    t = time.perf_counter()
    d = con.table("declarations")
    keys = ["declaration_id", "item_no", "office_id", "lodged_at", "aeo_status"]
    annotated = (
        rules.annotate(d).select(*keys, *rules.columns).order_by(["declaration_id", "item_no"]).to_pyarrow()
    )
    hits = rules.hits(annotated)
    timings["rules_s"] = time.perf_counter() - t
    t = time.perf_counter()
    p = scored["fraud_probability"].to_numpy()
    explore = exploration_priority(history, p, seed=seed)
    timings["explore_s"] = time.perf_counter() - t
    t = time.perf_counter()
    draws = random_draws(annotated["declaration_id"], annotated["item_no"], seed)
    timings["random_draws_s"] = time.perf_counter() - t
    t = time.perf_counter()
    decision = decide_lanes(
        annotated["office_id"],
        scored["score"].to_numpy(),
        POLICY,
        rule_lane=hits.rule_lane,
        explore_priority=explore,
        aeo=annotated["aeo_status"].to_numpy(zero_copy_only=False),
        random_draw=draws,
    )
    timings["lanes_s"] = time.perf_counter() - t
    t = time.perf_counter()
    n = annotated.num_rows
    lanes = decision.to_arrow()
    rows = pa.table(
        {
            "selection_id": pa.array(["bench"] * n),
            "decided_at": pa.array([dt.datetime(2024, 1, 8)] * n, pa.timestamp("us")),
            **{c: annotated[c] for c in ("declaration_id", "item_no", "office_id", "lodged_at")},
            **{c: lanes[c] for c in ("lane", "selected_by", "random_control", "exploration")},
            "rules_hit": hits.rules_hit,
            "model_version": pa.array(["bench"] * n),
            **{c: scored[c] for c in ("score", "fraud_probability", "expected_revenue")},
            "channel": pa.array(["batch"] * n),
            "decided_by": pa.array(["bench"] * n),
            "reasons": pa.array([[]] * n, pa.list_(pa.string())),
        }
    ).cast(ARROW_SCHEMA)
    timings["rows_s"] = time.perf_counter() - t
    return rows, timings


def realtime_latency(items: pa.Table, scored: pa.Table, rules: RuleSet, calls: int) -> dict:
    """Per-declaration latency of the real-time decider (one item per call)."""
    threshold = quantile_thresholds(scored["score"].to_numpy(), {"red": 0.045, "yellow": 0.10, "blue": 0.02})
    decider = RealtimeDecider(POLICY, RowRules(rules), {}, threshold, "benchmark")
    names = [
        "declaration_id",
        "item_no",
        "lodged_at",
        "office_id",
        "mode_of_transport",
        "importer_id",
        "declarant_id",
        "country_of_origin",
        "country_of_export",
        "hs_code",
        "goods_description",
        "net_mass_kg",
        "customs_value",
        "duty_rate",
        "preference_code",
        "aeo_status",
    ]
    sample = items.select(names).slice(0, calls)
    one_rows = [sample.slice(i, 1) for i in range(calls)]
    one_scores = [scored.slice(i, 1) for i in range(calls)]
    times = []
    for row, score in zip(one_rows, one_scores, strict=True):
        t = time.perf_counter()
        decider.decide(row, score)
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    return {
        "calls": calls,
        "p50_ms": round(float(np.median(ms)), 3),
        "p99_ms": round(float(np.quantile(ms, 0.99)), 3),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--realtime-calls", type=int, default=2000)
    args = parser.parse_args()

    items = declarations(args.items, args.seed)
    scored, history = scores(args.items, args.seed)
    rules = RuleSet(rule_of(r) for r in RULES)
    con = ibis.duckdb.connect()
    con.create_table("declarations", items)
    warehouse = Warehouse(con, "duckdb://")
    selections_table(warehouse)

    load_before = os.getloadavg()
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    rows, timings = decide(con, rules, scored, history, args.seed)
    seconds, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    t = time.perf_counter()
    write_selections(warehouse, rows, dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 8))
    write_seconds = time.perf_counter() - t
    load_after = os.getloadavg()
    realtime = realtime_latency(items, scored, rules, args.realtime_calls)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    lanes = dict(
        zip(*np.unique(rows["lane"].to_numpy(zero_copy_only=False), return_counts=True), strict=True)
    )
    result = {
        "items": args.items,
        "rules": len(rules),
        "policy": POLICY.model_dump(),
        "seconds": round(seconds, 3),
        "items_per_second": round(args.items / seconds),
        "cpu_seconds": round(cpu, 2),
        **{k: round(v, 3) for k, v in timings.items()},
        "write_seconds": round(write_seconds, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "peak_rss_mb": round(peak_mb),
        "lanes": {lane: int(lanes.get(lane, 0)) for lane in LANES},
        "items_hit_by_rules": int(sum(1 for x in rows["rules_hit"].to_pylist() if x)),
        "realtime_one_item": realtime,
    }
    report = {
        "benchmark": "lane decision: rules (Ibis on DuckDB), exploration, random control, budgets, selections rows",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": con.version},
        "targets": {"items_per_second": TARGET_ITEMS_PER_SECOND},
        "results": [result],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    verdict = "meets" if result["items_per_second"] >= TARGET_ITEMS_PER_SECOND else "BELOW"
    print(
        f"{args.items:,} items, {len(rules)} rules: {seconds:.2f} s ({result['items_per_second']:,} items/s, "
        f"{cpu:.1f} s CPU, load {load_before[0]:.1f}) — rules {timings['rules_s']:.2f} s, explore "
        f"{timings['explore_s']:.2f} s, draws {timings['random_draws_s']:.2f} s, lanes {timings['lanes_s']:.2f} s, "
        f"rows {timings['rows_s']:.2f} s; write {write_seconds:.2f} s; peak RSS {peak_mb:,.0f} MB; real time one item "
        f"p50 {realtime['p50_ms']} ms, p99 {realtime['p99_ms']} ms; {verdict} the {TARGET_ITEMS_PER_SECOND:,}/s target "
        f"-> {RESULTS}"
    )


if __name__ == "__main__":
    main()
