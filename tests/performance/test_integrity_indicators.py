"""Integrity indicators on the synthetic world: the planted officer and office are flagged, by the
indicators they were planted for, and no other officer or office is; lane downgrades are read from the
stored lane decisions made before each inspection."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from clearsight.core.errors import UserError
from clearsight.core.warehouse import connect
from clearsight.performance import IntegrityOptions, integrity_report
from clearsight.performance.integrity import benjamini_hochberg
from clearsight.schema.derived import SELECTIONS


@pytest.fixture(scope="module")
def truth(synthetic_world_dir):
    return json.loads((synthetic_world_dir / "world.json").read_text())["integrity"]


@pytest.fixture(scope="module")
def report(synthetic_warehouse_file):
    wh = connect(f"duckdb://{synthetic_warehouse_file}")
    try:
        return integrity_report(wh)
    finally:
        wh.close()


def flagged(report, indicator, level):
    i = next(i for i in report["indicators"] if i["indicator"] == indicator and i["level"] == level)
    return {tuple(r.get(k) for k in ("office_id", "officer_id", "importer_id") if k in r) for r in i["rows"] if r["flagged"]}


def test_the_planted_officer_is_flagged_for_what_was_planted(report, truth):
    officer = truth["officer"]
    assert flagged(report, "compliant_where_others_find", "officer") == {(officer["office_id"], officer["officer_id"])}
    assert flagged(report, "trader_affinity", "officer") == {
        (officer["office_id"], officer["officer_id"], officer["trader"])}


def test_the_planted_office_is_flagged_for_fast_red_clearance(report, truth):
    assert flagged(report, "fast_red_clearance", "office") == {(truth["office"]["office_id"],)}
    row = next(r for i in report["indicators"] if i["indicator"] == "fast_red_clearance" and i["level"] == "office"
               for r in i["rows"] if r["office_id"] == truth["office"]["office_id"])
    assert row["median_ratio"] < 0.3 and row["q_value"] < 1e-6


def test_no_one_else_is_flagged(report, truth):
    planted = {truth["officer"]["officer_id"], truth["office"]["office_id"]}
    others = [f for f in report["flags"] if (f.get("officer_id") or f["office_id"]) not in planted]
    assert others == []
    assert len(report["flags"]) == 3
    tested = {(i["indicator"], i["level"]): i["tested"] for i in report["indicators"]}
    assert tested[("fast_red_clearance", "office")] >= 4  # peers were tested, and passed
    assert tested[("trader_affinity", "officer")] >= 2


def test_lane_downgrades_come_from_decisions_made_before_the_inspection(synthetic_warehouse):
    wh = synthetic_warehouse
    i = wh.table("inspections").to_pyarrow().to_pylist()
    yellow: dict[str, int] = {}
    for r in i:
        if r["lane"] == "yellow":
            yellow[r["officer_id"]] = yellow.get(r["officer_id"], 0) + 1
    officer = max(sorted(yellow), key=lambda o: yellow[o])
    rows = []
    for n, r in enumerate(i):
        downgraded = r["officer_id"] == officer and r["lane"] == "yellow"
        rows.append({
            "selection_id": "test", "declaration_id": r["declaration_id"], "item_no": r["item_no"],
            "office_id": r["declaration_id"].split("-")[0], "lane": "red" if downgraded else r["lane"],
            "selected_by": "rule", "channel": "batch", "decided_by": "test",
            # every tenth decision is made after its inspection (replayed on history): not compared
            "decided_at": r["inspected_at"] + dt.timedelta(hours=1 if n % 10 == 0 else -1),
        })
    table = pa.Table.from_pylist(rows).cast(pa.schema([SELECTIONS.arrow_schema().field(c) for c in rows[0]]))
    wh.create_table("selections", schema=SELECTIONS.schema())
    wh.insert("selections", table)
    from clearsight.selectivity import lane_decisions

    options = IntegrityOptions(min_controls=5)
    report = integrity_report(wh, options, decisions=lane_decisions(wh, None))
    down = next(x for x in report["indicators"] if x["indicator"] == "lane_downgrades" and x["level"] == "officer")
    assert {r["officer_id"] for r in down["rows"] if r["flagged"]} == {officer}
    row = next(r for r in down["rows"] if r["officer_id"] == officer)
    assert row["k"] == sum(1 for n, r in enumerate(i) if r["officer_id"] == officer and r["lane"] == "yellow" and n % 10)
    assert all(r["k"] == 0 for r in down["rows"] if r["officer_id"] != officer)
    assert integrity_report(wh, options)["indicators"][0]["note"].startswith("no lane decisions are stored")


def test_benjamini_hochberg_and_options():
    assert benjamini_hochberg([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
    with pytest.raises(UserError, match="alpha must be between 0 and 1"):
        IntegrityOptions(alpha=1.5)
    with pytest.raises(UserError, match=r"starts .* after it ends"):
        IntegrityOptions(dt.date(2024, 2, 1), dt.date(2024, 1, 1))


def test_pairs_never_seen_count_in_the_correction():
    """An officer who never controlled a trader is a hypothesis too: the affinity test's family is
    every officer of the office against every trader tested there, so a pair that stands out among
    many looked at is corrected for all of them."""
    from clearsight.performance.integrity import _affinity_test, _finish

    rows = [
        {"office_id": "OFF", "officer_id": f"O{i}", "importer_id": "IM1", "k": k, "n": 20,
         "officer_controls": 100, "office_controls": 1000}
        for i, k in enumerate([6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    ] + [{"office_id": "OFF", "officer_id": f"O{i}", "importer_id": "IM9", "k": 1, "n": 3,
          "officer_controls": 100, "office_controls": 1000} for i in range(15, 40)]
    tested, family = _affinity_test(rows, min_volume=8)
    assert [r["officer_id"] for r in tested] == ["O0"]  # only a pair seen at least twice is worth a test
    assert family == 40  # but all 40 officers of the office were looked at for IM1 (IM9: too few controls)
    alone = _finish([dict(tested[0])], 0.05, lambda r: True)[0]
    corrected = _finish([dict(tested[0])], 0.05, lambda r: True, family)[0]
    assert alone["q_value"] == tested[0]["p_value"]
    assert corrected["q_value"] == min(1.0, tested[0]["p_value"] * family)
