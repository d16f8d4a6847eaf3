"""Indicators from stored lane decisions: hit rates by ``selected_by`` and the random sample's fraud
rate with its Wilson interval, counted per goods item from a ``selections`` table written here."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from clearsight.release.kpi import NO_REASON_NOTE, kpi_report, wilson_interval
from clearsight.selectivity.selections import SCHEMA  # the contract's columns

REASONS = ("rule", "model", "explore", "random", "none")


def _decisions(wh) -> tuple[pa.Table, dict[tuple[str, int], bool]]:
    """Every item gets a reason by its position; returns the rows and each inspected item's hit."""
    d = wh.table("declarations").select("declaration_id", "item_no", "office_id", "lodged_at")
    items = d.order_by(["declaration_id", "item_no"]).to_pyarrow()
    n = items.num_rows
    reasons = [REASONS[k % len(REASONS)] for k in range(n)]
    lane = {"rule": "red", "model": "red", "explore": "red", "random": "red", "none": "green"}
    rows = pa.table(
        {
            "selection_id": pa.array(["run-1"] * n),
            "decided_at": pa.array([dt.datetime(2025, 1, 1)] * n, pa.timestamp("us")),
            "declaration_id": items["declaration_id"],
            "item_no": items["item_no"],
            "office_id": items["office_id"],
            "lodged_at": pc.cast(items["lodged_at"], pa.timestamp("us")),
            "lane": pa.array([lane[r] for r in reasons]),
            "selected_by": pa.array(reasons),
            "random_control": pa.array([r == "random" for r in reasons]),
            "exploration": pa.array([r == "explore" for r in reasons]),
            "rules_hit": pa.array([["R1"] if r == "rule" else [] for r in reasons], pa.list_(pa.string())),
            "model_version": pa.array(["m"] * n),
            "score": pa.array([0.5] * n),
            "fraud_probability": pa.array([0.1] * n),
            "expected_revenue": pa.array([10.0] * n),
            "channel": pa.array(["batch"] * n),
            "decided_by": pa.array(["clearsight select"] * n),
            "reasons": pa.array([[]] * n, pa.list_(pa.string())),
        },
        schema=SCHEMA.to_pyarrow(),
    )
    ins = wh.table("inspections").select("declaration_id", "item_no", "result").to_pyarrow().to_pylist()
    hit: dict[tuple[str, int], bool] = {}
    for r in ins:
        key = (r["declaration_id"], r["item_no"])
        hit[key] = hit.get(key, False) or r["result"] in ("fraud", "critical")
    return rows, hit


def test_hit_rates_by_selected_by_and_the_random_sample(synthetic_warehouse):
    wh = synthetic_warehouse
    rows, hit = _decisions(wh)
    # An older decision of the same items must not count twice: the latest one is used.
    older = rows.set_column(
        rows.column_names.index("decided_at"),
        "decided_at",
        pa.array([dt.datetime(2024, 12, 1)] * rows.num_rows, pa.timestamp("us")),
    )
    older = older.set_column(
        older.column_names.index("selected_by"), "selected_by", pa.array(["model"] * rows.num_rows)
    )
    wh.create_table("selections", pa.concat_tables([rows, older]), overwrite=True)
    report = kpi_report(wh)
    assert NO_REASON_NOTE not in report["notes"]
    got = {r["selected_by"]: r for r in report["by_selected_by"]}
    assert list(got) == list(REASONS)
    for reason in REASONS:
        keys = [
            (d, i)
            for d, i, s in zip(
                rows["declaration_id"].to_pylist(),
                rows["item_no"].to_pylist(),
                rows["selected_by"].to_pylist(),
                strict=True,
            )
            if s == reason
        ]
        inspected = [k for k in keys if k in hit]
        hits = sum(hit[k] for k in inspected)
        assert (got[reason]["items"], got[reason]["inspected"], got[reason]["hits"]) == (
            len(keys),
            len(inspected),
            hits,
        )
        assert got[reason]["hit_rate"] == pytest.approx(hits / len(inspected))
    sample = report["random_sample"]
    r = got["random"]
    assert (sample["controls"], sample["hits"], sample["drawn"]) == (r["inspected"], r["hits"], r["items"])
    assert (sample["ci_low"], sample["ci_high"]) == pytest.approx(wilson_interval(r["hits"], r["inspected"]))
    assert sample["ci_low"] < sample["fraud_rate"] < sample["ci_high"] and sample["unit"] == "goods items"
    assert any("drawn for random control have no inspection result" in n for n in report["notes"])


def test_period_and_absent_or_empty_table(synthetic_warehouse):
    wh = synthetic_warehouse
    assert kpi_report(wh)["by_selected_by"] is None
    wh.create_table("selections", schema=SCHEMA)
    empty = kpi_report(wh)
    assert empty["by_selected_by"] is None and NO_REASON_NOTE in empty["notes"]
    rows, _ = _decisions(wh)
    wh.create_table("selections", rows, overwrite=True)
    start, end = dt.date(2024, 1, 1), dt.date(2024, 3, 31)
    lodged = pc.cast(rows["lodged_at"], pa.timestamp("us"))
    inside = pc.and_(
        pc.greater_equal(lodged, pa.scalar(dt.datetime(2024, 1, 1), pa.timestamp("us"))),
        pc.less(lodged, pa.scalar(dt.datetime(2024, 4, 1), pa.timestamp("us"))),
    )
    period = kpi_report(wh, start, end)
    assert sum(r["items"] for r in period["by_selected_by"]) == pc.sum(inside).as_py() > 0
