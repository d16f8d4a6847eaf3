"""DuckDB and Spark compute the same contract status and the same integrity indicators from the same
tables (a few offices of the synthetic world): counts equal, hours and shares equal up to rounding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from clearsight.performance import contract_status, integrity_report, parse_contract

OFFICES = ("KESEA01", "KESEA02", "KEAIR01")
CONTRACT = """id: engines
office: all
period: {from: 2023-01, to: 2024-12}
indicators:
  median_release_h: 24
  p90_release_h: 72
  within_tfa_target: 0.8
  red_share: 0.05
  yellow_share: 0.05
  hit_rate: 0.1
  revenue_per_control: 1000
  quality_flagged_share: 0.01
"""


def flat(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a JSON-like value by its path, to compare two reports leaf by leaf."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for n, item in enumerate(value) for k, v in flat(item, f"{path}[{n}]").items()}
    return {path: value}


@pytest.fixture(scope="module")
def tables(synthetic_warehouse_file) -> dict[str, pa.Table]:
    from clearsight.core.warehouse import connect

    wh = connect(f"duckdb://{synthetic_warehouse_file}")
    try:
        d = wh.table("declarations")
        ids = d.filter(d.office_id.isin(OFFICES)).select("declaration_id").distinct()
        return {name: wh.table(name).semi_join(ids, "declaration_id").to_pyarrow()
                for name in ("declarations", "inspections", "events")}
    finally:
        wh.close()


def decisions(inspections: pa.Table) -> pa.Table:
    """Lane decisions for the inspected items: the system's an hour before each inspection (every
    seventh red whatever the lane worked in), and an officer's change to green for every eleventh."""
    from clearsight.schema.derived import SELECTIONS

    rows = []
    for n, r in enumerate(inspections.to_pylist()):
        base = {"declaration_id": r["declaration_id"], "item_no": r["item_no"], "office_id": r["declaration_id"][:7],
                "selected_by": "model", "channel": "batch", "decided_by": "select", "selection_id": "engines"}
        rows.append({**base, "lane": "red" if n % 7 == 0 else r["lane"],
                     "decided_at": r["inspected_at"] - dt.timedelta(hours=1)})
        if n % 11 == 0:
            rows.append({**base, "lane": "green", "selected_by": "officer", "channel": "officer",
                         "decided_by": r["officer_id"], "selection_id": f"officer-{n}",
                         "decided_at": r["inspected_at"] - dt.timedelta(minutes=30)})
    return pa.Table.from_pylist(rows, schema=SELECTIONS.arrow_schema())


def test_duckdb_and_spark_agree(duckdb_warehouse, spark_warehouse, tables):
    from clearsight.schema.derived import SELECTIONS

    contract = parse_contract(CONTRACT, "engines.yaml")
    out = {}
    for wh in (duckdb_warehouse, spark_warehouse):
        for name, table in tables.items():
            wh.insert(name, table.cast(wh.table(name).schema().to_pyarrow()))
        wh.create_table(SELECTIONS.name, schema=SELECTIONS.schema())
        wh.insert(SELECTIONS.name, decisions(tables["inspections"]))
        out[wh.kind] = (contract_status(wh, contract), integrity_report(wh, decisions=wh.table(SELECTIONS.name)))
    (duck_status, duck_integrity), (spark_status, spark_integrity) = out["duckdb"], out["pyspark"]
    assert duck_status["declarations"] > 1000 and duck_status["controls"] > 50
    assert duck_integrity["flags"]  # the planted officer and office are among these offices
    downgrades = next(i for i in duck_integrity["indicators"] if i["indicator"] == "lane_downgrades")
    assert downgrades["tested"] and sum(r["k"] for r in downgrades["rows"]) > 0
    for duck, spark in ((flat(duck_status), flat(spark_status)), (flat(duck_integrity), flat(spark_integrity))):
        assert duck.keys() == spark.keys()
        numbers = {k for k, v in duck.items() if isinstance(v, float)}
        assert {k: spark[k] for k in numbers} == pytest.approx({k: duck[k] for k in numbers}, rel=1e-9, abs=1e-9)
        assert {k: v for k, v in spark.items() if k not in numbers} == {k: v for k, v in duck.items() if k not in numbers}
