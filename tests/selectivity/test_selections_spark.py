"""The ``selections`` table and the rules on both engines (DuckDB and Spark): stored in one step,
refused or replaced when a window is decided again, rule statistics joined with inspections, and
the same rule hits from the same Ibis expression."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from clearsight.core.errors import UserError
from clearsight.rules.profiles import RuleSet, rule_of
from clearsight.selectivity.selections import (
    ARROW_SCHEMA,
    lanes_by_office,
    latest_selection_id,
    rule_stats,
    selections_table,
    write_selections,
)

DAY = dt.datetime(2024, 3, 4)
NEXT = DAY + dt.timedelta(days=1)


@pytest.fixture(params=["duckdb", "spark"])
def warehouse(request):
    return request.getfixturevalue("duckdb_warehouse" if request.param == "duckdb" else "spark_warehouse")


def decisions(selection_id: str, day: dt.datetime, lanes: list[str], hits: list[list[str]]) -> pa.Table:
    n = len(lanes)
    return pa.Table.from_pylist(
        [
            {
                "selection_id": selection_id,
                "decided_at": day + dt.timedelta(hours=20),
                "declaration_id": f"D{day:%m%d}-{i}",
                "item_no": 1,
                "office_id": "K1" if i % 2 else "K2",
                "lodged_at": day + dt.timedelta(hours=8, minutes=i),
                "lane": lanes[i],
                "selected_by": "rule" if hits[i] else "model",
                "random_control": False,
                "exploration": False,
                "rules_hit": hits[i],
                "model_version": "m1",
                "score": 1.0 - i / n,
                "fraud_probability": 0.5,
                "expected_revenue": 100.0,
                "channel": "batch",
                "decided_by": "clearsight select",
                "reasons": [],
            }
            for i in range(n)
        ],
        schema=ARROW_SCHEMA,
    )


def count(warehouse) -> int:
    return selections_table(warehouse).count().to_pyarrow().as_py()


def test_windows_are_written_once_and_replaced_on_request(warehouse):
    write_selections(warehouse, decisions("s1", DAY, ["red", "green", "yellow"], [["r1"], [], []]), DAY, NEXT)
    other = DAY - dt.timedelta(days=1)
    write_selections(warehouse, decisions("s0", other, ["green", "green"], [[], []]), other, DAY)
    assert count(warehouse) == 5 and latest_selection_id(warehouse) == "s1"
    with pytest.raises(UserError, match="3 items lodged from 2024-03-04 to 2024-03-04 were already decided"):
        write_selections(warehouse, decisions("s2", DAY, ["red"] * 3, [[]] * 3), DAY, NEXT)
    assert count(warehouse) == 5
    replaced = write_selections(
        warehouse, decisions("s2", DAY, ["red", "red", "green", "green"], [[]] * 4), DAY, NEXT, replace=True
    )
    assert replaced == 3 and count(warehouse) == 6
    t = selections_table(warehouse)
    ids = t.group_by("selection_id").aggregate(n=t.count()).to_pyarrow().to_pylist()
    assert sorted((r["selection_id"], r["n"]) for r in ids) == [("s0", 2), ("s2", 4)]
    assert lanes_by_office(warehouse, "s2") == [
        {"office_id": "K1", "lane": "green", "items": 1},
        {"office_id": "K1", "lane": "red", "items": 1},
        {"office_id": "K2", "lane": "green", "items": 1},
        {"office_id": "K2", "lane": "red", "items": 1},
    ]
    stored = t.filter(t.selection_id == "s2").order_by("declaration_id").to_pyarrow()
    assert stored["rules_hit"].to_pylist() == [[]] * 4
    assert stored["lodged_at"][0].as_py() == DAY + dt.timedelta(hours=8)


def test_rule_stats_join_the_inspections(warehouse):
    rows = decisions("s1", DAY, ["red", "red", "yellow", "green"], [["a", "b"], ["a"], ["b"], []])
    write_selections(warehouse, rows, DAY, NEXT)
    warehouse.insert("inspections", inspections(warehouse))
    stats = rule_stats(warehouse)
    assert set(stats) == {"a", "b"}
    a, b = stats["a"], stats["b"]
    assert (a["items"], a["inspected"], a["frauds"], a["hit_rate"], a["revenue"]) == (2, 2, 1, 0.5, 500.0)
    assert (b["items"], b["inspected"], b["frauds"], b["hit_rate"], b["revenue"]) == (2, 1, 1, 1.0, 500.0)
    assert a["last_hit"] == DAY + dt.timedelta(hours=8, minutes=1)


def inspections(warehouse) -> pa.Table:
    """Three inspection results, in the warehouse's own column layout."""
    cols = warehouse.table("inspections").schema().to_pyarrow()
    rows = [
        {"declaration_id": "D0304-0", "item_no": 1, "result": "fraud", "additional_revenue": 500.0},
        {"declaration_id": "D0304-1", "item_no": 1, "result": "compliant", "additional_revenue": None},
        {"declaration_id": "D0304-3", "item_no": 1, "result": "critical", "additional_revenue": 9.0},
    ]
    return pa.Table.from_pylist([{**dict.fromkeys(cols.names), **r} for r in rows], schema=cols)


def test_a_failed_replacement_leaves_the_previous_decisions(tmp_path):
    """DuckDB: the delete and the insert are one transaction."""
    from clearsight.core.warehouse import connect

    path = tmp_path / "w.duckdb"
    wh = connect(f"duckdb://{path}")
    # a table that refuses a lane it does not know, so the insert fails after the delete
    wh.run_sql(
        "CREATE TABLE selections (selection_id VARCHAR, decided_at TIMESTAMP, declaration_id VARCHAR, item_no BIGINT, "
        "office_id VARCHAR, lodged_at TIMESTAMP, lane VARCHAR CHECK (lane IN ('green', 'yellow', 'red', 'blue')), "
        "selected_by VARCHAR, random_control BOOLEAN, exploration BOOLEAN, rules_hit VARCHAR[], model_version VARCHAR, "
        "score DOUBLE, fraud_probability DOUBLE, expected_revenue DOUBLE, channel VARCHAR, decided_by VARCHAR, "
        "reasons VARCHAR[])"
    )
    write_selections(wh, decisions("s1", DAY, ["red", "green"], [[], []]), DAY, NEXT)
    with pytest.raises(Exception, match="CHECK"):
        write_selections(wh, decisions("s2", DAY, ["purple", "green"], [[], []]), DAY, NEXT, replace=True)
    wh.close()
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT selection_id, count(*) FROM selections GROUP BY 1").fetchall() == [("s1", 2)]
    con.close()


def test_rules_hit_the_same_items_on_spark_and_duckdb(spark_warehouse, synthetic_warehouse_file):
    rules = RuleSet(
        [
            rule_of(
                {
                    "name": "solar",
                    "lane": "red",
                    "reason": "x",
                    "hs_codes": "8541",
                    "countries_of_origin": "CN",
                }
            ),
            rule_of(
                {
                    "name": "cheap",
                    "lane": "yellow",
                    "reason": "x",
                    "max_unit_value": 50,
                    "valid_from": "2023-06-01",
                }
            ),
            rule_of(
                {
                    "name": "sql",
                    "lane": "blue",
                    "reason": "x",
                    "condition": "lower(goods_description) LIKE '%module%' OR (duty_rate BETWEEN 5 AND 20 AND preference_code IS NULL)",
                }
            ),
            rule_of(
                {
                    "name": "aeo",
                    "lane": "green",
                    "reason": "x",
                    "condition": "aeo_status AND substr(hs_code, 1, 2) IN ('84', '85', '39')",
                }
            ),
        ]
    )
    con = duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    sample = con.execute("SELECT * FROM declarations ORDER BY declaration_id, item_no LIMIT 600").arrow()
    sample = sample.read_all() if isinstance(sample, pa.RecordBatchReader) else sample
    con.close()
    spark_warehouse.replace("declarations", sample)
    keys = ["declaration_id", "item_no"]
    _, on_spark = rules.evaluate(spark_warehouse.table("declarations"), order_by=keys)
    import ibis

    local = ibis.duckdb.connect()
    _, on_duckdb = rules.evaluate(local.create_table("declarations", sample), order_by=keys)
    local.disconnect()
    assert on_spark.rules_hit.to_pylist() == on_duckdb.rules_hit.to_pylist()
    assert (on_spark.rule_lane == on_duckdb.rule_lane).all()
    assert on_spark.matrix.any(axis=0).all(), "every rule must hit something in the sample"


def test_select_runs_on_spark(spark_warehouse, synthetic_warehouse_file, tmp_path_factory, tmp_path):
    """A whole ``select`` on a Spark warehouse: the same decisions as on DuckDB for the same items."""
    from clearsight.core.store import open_store
    from clearsight.core.warehouse import connect
    from clearsight.rules.store import add_rules
    from clearsight.selectivity.select import SelectSettings, select_batch
    from portal_live import trained_home, workspace

    template = trained_home(tmp_path_factory, synthetic_warehouse_file)
    local = workspace(template, tmp_path / "local")
    con = duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    for name in ("declarations", "inspections"):
        table = con.execute(f"SELECT * FROM {name}").arrow()
        spark_warehouse.replace(name, table.read_all() if isinstance(table, pa.RecordBatchReader) else table)
    con.close()
    store = open_store(local)
    add_rules(
        store,
        [
            rule_of(
                {"name": "sea-85", "lane": "yellow", "reason": "x", "offices": "KESEA01", "hs_codes": "85"}
            )
        ],
    )
    policy = SelectSettings().policy(explore_share=20)
    day = dt.date(2024, 11, 12), dt.date(2024, 11, 18)
    on_spark = select_batch(local, spark_warehouse, store, *day, policy)
    wh = connect(local.warehouse_url)
    on_duckdb = select_batch(local, wh, store, *day, policy)
    wh.close()
    store.close()
    assert on_spark.items == on_duckdb.items > 0
    assert on_spark.rows["lane"].to_pylist() == on_duckdb.rows["lane"].to_pylist()
    assert on_spark.rows["rules_hit"].to_pylist() == on_duckdb.rows["rules_hit"].to_pylist()
    stored = spark_warehouse.table("selections")
    assert (
        stored.filter(stored.selection_id == on_spark.selection_id).count().to_pyarrow().as_py()
        == on_spark.items
    )
