"""The monthly aggregation is the same on DuckDB and Spark."""

from __future__ import annotations

import pytest
from planted import planted_declarations

from clearsight.forecast import monthly_query


@pytest.mark.parametrize("measure", ["duty", "value"])
def test_monthly_totals_equal_on_duckdb_and_spark(duckdb_warehouse, spark_warehouse, measure):
    table = planted_declarations()
    frames = {}
    for wh in (duckdb_warehouse, spark_warehouse):
        wh.insert("declarations", table)
        rows = monthly_query(wh, measure).to_pyarrow().to_pylist()
        frames[wh.kind] = {(str(r["month"]), r["office_id"], r["chapter"]): (r["amount"], r["items"]) for r in rows}
    duck, spark = frames["duckdb"], frames["pyspark"]
    assert len(duck) == 2 * 2 * 36 and duck.keys() == spark.keys()
    for key, (amount, items) in duck.items():
        assert spark[key][1] == items
        assert spark[key][0] == pytest.approx(amount, rel=1e-9)
