"""Feedback and drift speed on DuckDB: the drift report, the portal's cached warnings, folding one
inspection result into a loaded scorer, and one retraining with its comparison.

A synthetic world (``--items`` goods items, two years) is loaded straight into a DuckDB warehouse (the
quality gate is measured by benchmarks/ingest.py). A model is trained on labels known ``--deployed-weeks``
weeks before the last lodgement and promoted, as if deployed then; the figures are taken against it.
Writes benchmarks/results/feedback.json (wall and CPU seconds, load average, peak RSS).

    python benchmarks/feedback.py [--items 200000] [--seed 42] [--deployed-weeks 8] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from clearsight.core.workspace import Workspace

RESULTS = Path(__file__).parent / "results" / "feedback.json"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn, *args, **kwargs) -> tuple[object, dict]:
    wall, cpu = time.perf_counter(), _cpu()
    out = fn(*args, **kwargs)
    return out, {"wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(_cpu() - cpu, 3)}


def prepare(path: Path, items: int, seed: int) -> dict:
    """The world's declarations and inspections in a DuckDB file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from clearsight.core.warehouse import connect
    from clearsight.synth import generate_world

    world = generate_world(items, seed)
    decl = world.declarations
    for name, width in (("hs2", 2), ("hs4", 4), ("hs6", 6)):
        decl = decl.append_column(name, pc.utf8_slice_codeunits(decl["hs_code"], 0, width))
    wh = connect(f"duckdb://{path}")
    for name, data in (("declarations", decl), ("inspections", world.inspections)):
        columns = wh.table(name).schema()
        data = data.append_column("batch_id", pa.array(["benchmark"] * data.num_rows))
        data = data.append_column("quality_flags", pa.nulls(data.num_rows, pa.string()))
        wh.create_table(name, data.select(list(columns.names)).cast(columns.to_pyarrow()), overwrite=True)
    rows = {n: int(wh.table(n).count().execute()) for n in ("declarations", "inspections")}
    wh.close()
    return rows


def fraud_rows(wh, n: int):
    """``n`` uninspected items turned into fraud results (not yet written)."""
    import pyarrow as pa

    d, i = wh.table("declarations"), wh.table("inspections")
    open_items = d.anti_join(i, ["declaration_id", "item_no"]).order_by(["declaration_id", "item_no"])
    picked = open_items.select("declaration_id", "item_no").limit(n).to_pyarrow().to_pylist()
    schema = i.schema().to_pyarrow()
    now = dt.datetime(2030, 1, 1)
    rows = [
        {
            **p,
            "lane": "red",
            "method": "physical",
            "inspected_at": now,
            "result": "fraud",
            "fraud_type": "valuation",
            "additional_revenue": 1000.0,
            "officer_id": "bench",
            "batch_id": "bench",
            "quality_flags": None,
        }
        for p in picked
    ]
    return [pa.Table.from_pylist([r], schema=schema) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--deployed-weeks", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import connect
    from clearsight.risk.drift import compute_drift, drift_warnings
    from clearsight.risk.engine import train
    from clearsight.risk.registry import ModelRegistry
    from clearsight.risk.retrain import retrain
    from clearsight.risk.snapshot import Snapshot

    work = args.workdir or Path(tempfile.mkdtemp(prefix="clearsight-feedback-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings(home=work)
    rows, prep = timed(prepare, work / "warehouse.duckdb", args.items, args.seed)
    wh = connect(settings.warehouse_url)
    registry = ModelRegistry(Workspace(settings).models_dir)
    d = wh.table("declarations")
    last = d.aggregate(hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]["hi"]
    deployed = dt.datetime.combine((last - dt.timedelta(weeks=args.deployed_weeks)).date(), dt.time())
    _, fit = timed(train, wh, registry, until=deployed, name="deployed", promote=True)

    out: dict = {"items": args.items, "seed": args.seed, "rows": rows, "prepare": prep, "train_deployed": fit}
    features, t = timed(compute_drift, wh, settings, scores=False)
    out["drift_features"] = {**t, "weeks": len(features.weeks), "reference": features.reference_source}
    full, t = timed(compute_drift, wh, settings, scores=True)
    out["drift_with_scores"] = {
        **t,
        "warnings": full.warnings(),
        "max_psi": {f.name: round(max(f.psi), 3) for f in full.features if f.psi},
    }
    shutil.rmtree(Workspace(settings).tmp_dir, ignore_errors=True)
    _, out["warnings_cold"] = timed(drift_warnings, wh, settings)
    warm = []
    for _ in range(20):
        _, t = timed(drift_warnings, wh, settings)
        warm.append(t["wall_s"])
    out["warnings_cached_median_s"] = statistics.median(warm)

    snapshot, out["snapshot_load"] = timed(Snapshot, wh)
    records = []
    for row in fraud_rows(wh, 30):
        wh.insert("inspections", row)
        key = (row["declaration_id"][0].as_py(), row["item_no"][0].as_py())
        _, t = timed(snapshot.record_items, wh, [key])
        records.append(t["wall_s"])
    out["record_one_result"] = {
        "median_s": statistics.median(records),
        "max_s": max(records),
        "n": len(records),
    }

    comparison, t = timed(retrain, wh, registry, holdout_weeks=4, name="bench-retrain")
    out["retrain"] = {
        **t,
        "decision": comparison.decision,
        "reason": comparison.reason,
        "holdout": comparison.holdout,
    }
    wh.close()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["load_average"] = os.getloadavg()
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2, default=str))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
