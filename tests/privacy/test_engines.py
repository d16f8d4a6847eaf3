"""The same k-anonymity search and the same suppressed statistics on DuckDB and on Spark."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from clearsight.privacy.kanon import search
from clearsight.privacy.release import ReleaseOptions, make_plan, release_expression, source_table
from clearsight.privacy.stats import StatsOptions, base_table, suppressed_tables

FIRST = "(select declaration_id, item_no from declarations order by declaration_id, item_no limit 1500)"


def _slice(path, sql: str) -> pa.Table:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


def test_search_and_statistics_agree_on_duckdb_and_spark(
    synthetic_warehouse_file, duckdb_warehouse, spark_warehouse
):
    f = synthetic_warehouse_file
    decl = _slice(f, f"select d.* from declarations d semi join {FIRST} s using (declaration_id, item_no)")
    insp = _slice(f, f"select i.* from inspections i semi join {FIRST} s using (declaration_id, item_no)")
    events = _slice(
        f,
        f"select e.* from events e where event = 'release' and declaration_id in (select declaration_id from {FIRST})",
    )
    results = []
    for wh in (duckdb_warehouse, spark_warehouse):
        for name, data in (("declarations", decl), ("inspections", insp), ("events", events)):
            wh.insert(name, data)
        start = {"lodged_at": 3, "hs_code": 3, "customs_value": 2}
        highest = {"lodged_at": 3, "hs_code": 4, "customs_value": 2}
        found = search(source_table(wh), start, highest, k=3, target_suppression=0.05, l_diversity=2)
        cells, _, counts = suppressed_tables(
            base_table(wh, ["hs2", "month"]), StatsOptions(by=["hs2", "month"])
        )
        plan = make_plan(ReleaseOptions(recipient="uni", k=3, quasi_identifiers=list(start), l_diversity=2))
        released, _, _ = release_expression(source_table(wh), plan, found.levels)
        released = released.to_pyarrow()
        rows = sorted(
            released.drop_columns(["additional_revenue"]).to_pylist(),
            key=lambda r: tuple(map(str, r.values())),
        )
        results.append(
            (
                found.levels,
                found.suppressed,
                found.records,
                [s.suppressed for s in found.steps],
                cells.sort_by([("hs2", "ascending"), ("month", "ascending")]).to_pylist(),
                counts,
                rows,
            )
        )
    duck, spark = results
    assert duck[2] == 1500 and duck[:4] == spark[:4]
    assert duck[5] == spark[5] and duck[5]["primary"] > 0
    assert len(duck[6]) == 1500 - found.suppressed and duck[6] == spark[6]  # the released rows themselves
    for a, b in zip(duck[4], spark[4], strict=True):
        assert (a["hs2"], a["month"], a["status"], a["items"]) == (
            b["hs2"],
            b["month"],
            b["status"],
            b["items"],
        )
        for m in ("trade_value", "revenue", "release_hours_mean"):
            assert (a[m] is None) == (b[m] is None) and (
                a[m] is None or abs(a[m] - b[m]) < 1e-6 * max(1, abs(a[m]))
            )
