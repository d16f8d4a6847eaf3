"""DuckDB and Spark compute the same release study and the same indicators from the same tables:
counts equal, hours and shares equal up to float rounding (quantiles are exact on both engines)."""

from __future__ import annotations

import json
import math
from typing import Any

import pyarrow as pa
import pytest
from release_planted import load

from clearsight.release.kpi import kpi_report
from clearsight.release.report import build_release_report
from clearsight.release.times import ReleaseOptions

REL_TOL = 1e-9
SYNTHETIC_DECLARATIONS = 120


def _row_key(row: dict[str, Any]) -> str:
    """Rows sorted by their exact (non-float) values: engines may order NULL keys differently."""
    return json.dumps({k: v for k, v in row.items() if not isinstance(v, float | dict)}, default=str)


def same(a: Any, b: Any, path: str = "") -> None:
    """Assert two JSON-like values are equal, floats up to REL_TOL, lists of rows in any order."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, path
        assert math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9), f"{path}: {a} != {b}"
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        if a and isinstance(a[0], dict):
            a, b = sorted(a, key=_row_key), sorted(b, key=_row_key)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def mixed_tables(planted, synthetic_warehouse_file) -> dict[str, pa.Table]:
    """The planted log plus the first declarations of the synthetic world."""
    from clearsight.core.warehouse import connect

    wh = connect(f"duckdb://{synthetic_warehouse_file}")
    try:
        ids = wh.table("events").select("declaration_id").distinct().order_by("declaration_id")
        ids = ids.limit(SYNTHETIC_DECLARATIONS)
        out = {}
        for name in planted:
            t = wh.table(name)
            out[name] = pa.concat_tables(
                [planted[name], t.semi_join(ids, "declaration_id").to_pyarrow().cast(planted[name].schema)]
            )
    finally:
        wh.close()
    return out


def test_duckdb_and_spark_agree(duckdb_warehouse, spark_warehouse, mixed_tables):
    options = ReleaseOptions(targets=(8.0, 24.0), exclude=frozenset({"out_of_order", "outlier"}))
    reports = {}
    for wh in (duckdb_warehouse, spark_warehouse):
        load(wh, mixed_tables)
        reports[wh.kind] = (
            build_release_report(wh, options, ["office", "lane"], ("weekday",)),
            kpi_report(wh),
        )
    (duck_report, duck_kpi), (spark_report, spark_kpi) = reports["duckdb"], reports["pyspark"]
    assert duck_report["declarations"] > SYNTHETIC_DECLARATIONS * 0.9
    assert duck_report["excluded"]["unknown_declaration"] == 1 and duck_report["excluded"]["outlier"] > 0
    duck_report.pop("engine"), spark_report.pop("engine")
    same(duck_report, spark_report)
    same(duck_kpi, spark_kpi)
