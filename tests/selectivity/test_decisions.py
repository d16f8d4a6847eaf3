"""One store of lane decisions: real-time decisions wait in the app store's outbox, move into the
warehouse's ``selections`` exactly once (on DuckDB and Spark), and count in the indicators beside the
batch's; the real-time decider applies the batch's own precedence with the batch's thresholds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from clearsight.core.store import open_store
from clearsight.release.kpi import kpi_report
from clearsight.schema.tables import LANES
from clearsight.selectivity import decisions as store_of_decisions
from clearsight.selectivity.decisions import (
    REALTIME,
    declaration_decisions,
    lane_decisions,
    move_decisions,
    outbox_rows,
    pending_decisions,
)
from clearsight.selectivity.lanes import (
    BUDGET_LANES,
    MODEL,
    NONE,
    decide_by_thresholds,
    decide_lanes,
)
from clearsight.selectivity.policy import SelectionPolicy
from clearsight.selectivity.realtime import ItemDecision
from clearsight.selectivity.selections import latest_selection_id, selections_table

REASONS = ("rule", "model", "random", "none")


@pytest.fixture
def store(tmp_path):
    s = open_store(url=f"sqlite:///{tmp_path / 'app.db'}")
    yield s
    s.close()


@pytest.fixture(params=["duckdb", "spark"])
def warehouse(request):
    return request.getfixturevalue("duckdb_warehouse" if request.param == "duckdb" else "spark_warehouse")


def decided(ids: list[tuple[str, int, str]], lodged: dt.datetime = dt.datetime(2024, 3, 4, 9)) -> list[ItemDecision]:
    """Real-time decisions of (declaration_id, item_no, selected_by)."""
    return [
        ItemDecision(
            declaration_id=d,
            item_no=i,
            score=0.5,
            fraud_probability=0.1,
            expected_revenue=10.0,
            lane="green" if by == "none" else "red",
            reasons=["a reason"],
            model_version="m1",
            selected_by=by,
            random_control=by == "random",
            rules_hit=["r1"] if by == "rule" else [],
            office_id="K1",
            lodged_at=lodged,
        )
        for d, i, by in ids
    ]


def record(store, items: list[ItemDecision], who: str = "key:clearance-system") -> None:
    """What the scoring API commits with its audit entry (here without the entry)."""
    with store.session() as s:
        for table, values in outbox_rows(items, decided_by=who):
            s.execute(table.insert().values(**values))


def moved(warehouse) -> int:
    return selections_table(warehouse).count().to_pyarrow().as_py()


def test_moving_is_exactly_once(warehouse, store, monkeypatch):
    record(store, decided([("D1", 1, "model"), ("D1", 2, "none")]))
    record(store, decided([("D2", 1, "random")]))
    assert move_decisions(store, warehouse) == 3 and moved(warehouse) == 3
    assert move_decisions(store, warehouse) == 0 and moved(warehouse) == 3  # run twice: once
    assert pending_decisions(store)[0] == []

    # A crash between the insert into the warehouse and the mark in the app store...
    record(store, decided([("D3", 1, "rule"), ("D3", 2, "none")]))

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    with monkeypatch.context() as m:
        m.setattr(store_of_decisions, "mark_moved", crash)
        with pytest.raises(RuntimeError):
            move_decisions(store, warehouse)
    assert moved(warehouse) == 5 and len(pending_decisions(store)[0]) == 2
    # ... and the next move finds them there: nothing inserted twice, the rows marked.
    assert move_decisions(store, warehouse) == 0 and moved(warehouse) == 5
    assert pending_decisions(store)[0] == []

    t = selections_table(warehouse)
    rows = t.order_by(["declaration_id", "item_no"]).to_pyarrow().to_pylist()
    assert {r["channel"] for r in rows} == {REALTIME}
    assert [(r["declaration_id"], r["item_no"], r["selected_by"]) for r in rows] == [
        ("D1", 1, "model"), ("D1", 2, "none"), ("D2", 1, "random"), ("D3", 1, "rule"), ("D3", 2, "none"),
    ]
    assert rows[3]["rules_hit"] == ["r1"] and rows[0]["reasons"] == ["a reason"]
    assert rows[0]["decided_by"] == "key:clearance-system" and rows[0]["selection_id"].startswith("rt-")
    # one selection_id per request; real-time decisions are not a batch run
    assert len({r["selection_id"] for r in rows}) == 3 and latest_selection_id(warehouse) is None


def test_the_reader_returns_moved_and_waiting_decisions(duckdb_warehouse, store):
    record(store, decided([("D1", 1, "model")]))
    move_decisions(store, duckdb_warehouse)
    record(store, decided([("D2", 1, "random")]))
    assert moved(duckdb_warehouse) == 1  # the second waits in the outbox...
    every = lane_decisions(duckdb_warehouse, store)  # ...and the reader has it too
    assert sorted(every.declaration_id.to_pyarrow().to_pylist()) == ["D1", "D2"]


def test_realtime_decisions_count_in_the_kpis(synthetic_warehouse, store):
    wh = synthetic_warehouse
    d = wh.table("declarations")
    items = d.order_by(["declaration_id", "item_no"]).select("declaration_id", "item_no", "lodged_at")
    items = items.limit(40).to_pyarrow().to_pylist()
    ids = [(r["declaration_id"], r["item_no"], REASONS[k % len(REASONS)]) for k, r in enumerate(items)]
    for (decl, item, by), row in zip(ids, items, strict=True):
        record(store, decided([(decl, item, by)], lodged=row["lodged_at"]))
    assert kpi_report(wh)["by_selected_by"] is None  # not moved yet, and no store given
    report = kpi_report(wh, store=store)
    got = {r["selected_by"]: r["items"] for r in report["by_selected_by"]}
    assert got == {by: sum(1 for *_, b in ids if b == by) for by in REASONS}
    assert report["random_sample"] is None or report["random_sample"]["drawn"] == got["random"]
    assert kpi_report(wh, store=store)["by_selected_by"] == report["by_selected_by"]  # counted once


def test_an_old_selections_table_gets_the_new_columns(tmp_path):
    from clearsight.core.warehouse import connect

    path = tmp_path / "w.duckdb"
    wh = connect(f"duckdb://{path}")
    wh.run_sql(
        "CREATE TABLE selections (selection_id VARCHAR, decided_at TIMESTAMP, declaration_id VARCHAR, item_no BIGINT, "
        "office_id VARCHAR, lodged_at TIMESTAMP, lane VARCHAR, selected_by VARCHAR, random_control BOOLEAN, "
        "exploration BOOLEAN, rules_hit VARCHAR[], model_version VARCHAR, score DOUBLE, fraud_probability DOUBLE, "
        "expected_revenue DOUBLE)"
    )
    wh.run_sql("INSERT INTO selections (selection_id, lane) VALUES ('sel-old', 'red')")
    wh.close()
    wh = connect(f"duckdb://{path}")
    assert {"channel", "decided_by", "reasons"} <= set(wh.table("selections").columns)
    assert latest_selection_id(wh) == "sel-old"  # a row without channel is a batch's
    wh.close()


def test_thresholds_from_a_batch_give_the_batch_lanes():
    """The real-time decision (:func:`decide_by_thresholds`) of each item of a batch, with the
    thresholds the batch's budgets came to, is the batch's decision (no exploration: a batch step)."""
    rng = np.random.default_rng(7)
    n = 5_000
    office = rng.choice(["A", "B", "C"], n)
    priority = rng.gamma(2.0, 50.0, n)  # continuous: no ties
    aeo = rng.random(n) < 0.1
    rule_lane = np.where(rng.random(n) < 0.02, rng.choice([LANES.index("red"), LANES.index("yellow")], n), -1)
    draw = rng.random(n)
    policy = SelectionPolicy.of(red_budget=0.05, yellow_budget=0.1, blue_budget=0.03, random_rate=0.01, aeo_factor=0.5)
    batch = decide_lanes(office, priority, policy, rule_lane=rule_lane, aeo=aeo, random_draw=draw)
    per_office, _ = batch.thresholds()
    limits = np.array(
        [[np.nan if per_office[o][x] is None else per_office[o][x] for x in BUDGET_LANES] for o in office]
    )
    lane, by = decide_by_thresholds(policy, batch.priority, limits, draw, aeo, rule_lane)
    assert (lane == batch.lane).all() and (by == batch.selected_by).all()
    assert (by == MODEL).sum() > 100 and (by == NONE).sum() > 1_000


def test_a_declarations_decisions_say_why(duckdb_warehouse, store):
    """The rows the declaration page reads carry the sentence: who selected each lane and what the
    rules hit asked for (their lanes from the rule book, retired rules included)."""
    from clearsight.rules import add_rules, disable_rule, rule_of

    add_rules(store, [rule_of({"name": "r1", "lane": "yellow", "reason": "x", "offices": "K1"})])
    disable_rule(store, "r1")
    items = decided([("D9", 1, "model"), ("D9", 2, "none"), ("D9", 3, "random")])
    items[0].rules_hit = ["r1"]  # the model outranked the rule's yellow
    record(store, items)
    rows = {r["item_no"]: r for r in declaration_decisions(duckdb_warehouse, store, "D9")}
    assert rows[1]["why"] == "red by the model: its score reached office K1's red threshold; rule r1 asked for yellow"
    assert rows[2]["why"] == "green: no rule hit, its score below office K1's thresholds"
    assert rows[3]["why"] == "red by random control"
    # without the rule book, the rule is named without its lane
    assert declaration_decisions(duckdb_warehouse, None, "D9")[0]["why"].endswith("; rule r1 hit")
