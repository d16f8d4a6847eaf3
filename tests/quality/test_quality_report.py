"""The report finds the planted facts exactly (DuckDB), and Spark computes the same report."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from quality_planted import (
    AS_OF,
    BAD_LANE_ROWS,
    BAD_MODE_ROWS,
    EXTREME_610910,
    GRID_300490,
    GRID_610910,
    GRID_847130,
    NOT_IN_HS_ROWS,
    NULL_IMPORTER_ROWS,
    NULL_MODE_ROWS,
    ORPHAN_INSPECTIONS,
    ZERO_VALUE_ROWS,
    load_duckdb,
    load_spark,
)

from clearsight.quality import build_report
from clearsight.quality.report import EMPTY_MESSAGE, period_end, reason_for
from clearsight.schema import DATA_TABLES

#: Spark and DuckDB compute ln() and interpolated percentiles independently: equal up to float rounding.
REL_TOL = 1e-9


def field(report, table: str, name: str):
    return next(f for f in report.table(table).fields if f.field == name)


def test_tables_rows_batches_quarantine_duplicates(planted_duckdb, planted):
    report = build_report(planted_duckdb, AS_OF)
    assert not report.empty and report.message is None
    assert [t.table for t in report.tables] == list(DATA_TABLES)
    for name in DATA_TABLES:
        assert report.table(name).rows == (planted[name].num_rows if name in planted else 0)
    decl = report.table("declarations")
    assert decl.rows == 483
    assert (decl.batches, decl.quarantined) == (2, 7)
    # one key on 3 rows, one on 2 rows
    assert (decl.duplicate_keys, decl.duplicate_rows) == (2, 3)
    insp = report.table("inspections")
    assert (insp.batches, insp.quarantined, insp.duplicate_keys, insp.duplicate_rows) == (1, 3, 1, 1)
    assert report.table("events").duplicate_rows == 0
    assert report.batches == 7


def test_freshness_and_rows_by_period(planted_duckdb, planted):
    report = build_report(planted_duckdb, AS_OF)
    lodged = max(planted["declarations"]["lodged_at"].to_pylist())
    decl = report.table("declarations")
    assert decl.latest == lodged.isoformat() == "2024-06-09T00:00:00"
    assert decl.days_since_latest == (AS_OF - lodged.date()).days == 22
    assert sum(p.rows for p in decl.rows_by_period) == 483
    assert decl.rows_by_period[0].period == "2024-01"
    seiz = report.table("seizures")
    assert (seiz.latest, seiz.days_since_latest) == ("2024-05-27", 35)
    assert sum(p.rows for p in seiz.rows_by_period) == 11  # the row without a date is not in any month
    flows = report.table("trade_flows")
    # the latest period is June 2024, which ends on 30 June
    assert (flows.latest, flows.days_since_latest) == ("202406", 1)
    assert [p.period for p in flows.rows_by_period][:2] == ["2023", "2024-01"]
    assert {p.rows for p in flows.rows_by_period} == {8}
    assert period_end("2023") == dt.date(2023, 12, 31)
    assert period_end("202402") == dt.date(2024, 2, 29)
    assert period_end("2024Q1") is None


def test_completeness_validity_allowed_values(planted_duckdb):
    report = build_report(planted_duckdb, AS_OF)
    rows = report.table("declarations").rows
    importer = field(report, "declarations", "importer_id")
    assert importer.required and importer.incomplete_required
    assert importer.non_null == rows - NULL_IMPORTER_ROWS
    assert importer.completeness == pytest.approx((rows - NULL_IMPORTER_ROWS) / rows)
    assert not field(report, "declarations", "customs_value").incomplete_required
    # optional empty fields are 0 % complete but never flagged as incomplete-required
    seller = field(report, "declarations", "seller_id")
    assert (seller.completeness, seller.incomplete_required, seller.validity) == (0.0, False, None)

    hs = field(report, "declarations", "hs_code")
    assert hs.flagged == NOT_IN_HS_ROWS + ZERO_VALUE_ROWS
    assert hs.validity == pytest.approx(1 - hs.flagged / rows)
    value = field(report, "declarations", "customs_value")
    assert value.flagged == ZERO_VALUE_ROWS + len(EXTREME_610910)

    mode = field(report, "declarations", "mode_of_transport")
    assert mode.non_null == rows - NULL_MODE_ROWS
    assert mode.allowed == mode.non_null - BAD_MODE_ROWS
    assert mode.allowed_share == pytest.approx(mode.allowed / mode.non_null)
    assert mode.distinct == 2  # sea, ship
    lane = field(report, "inspections", "lane")
    assert lane.allowed == lane.non_null - BAD_LANE_ROWS
    assert field(report, "declarations", "importer_id").allowed is None  # not an enum field
    assert field(report, "declarations", "importer_id").distinct == 25
    assert field(report, "seizures", "seized_on").incomplete_required


def test_warnings_by_field_and_code(planted_duckdb):
    report = build_report(planted_duckdb, AS_OF)
    decl = report.table("declarations")
    counts = {(w.field, w.code): w.rows for w in decl.warnings}
    assert counts == {
        ("hs_code", "not_in_hs2022"): NOT_IN_HS_ROWS,
        ("customs_value", "zero"): ZERO_VALUE_ROWS,
        ("hs_code", "hs_zero_padded"): ZERO_VALUE_ROWS,  # the entry after ", " is trimmed
        ("customs_value", "extreme_unit_value"): len(EXTREME_610910),
    }
    assert decl.warnings[0].code == "not_in_hs2022"  # most frequent first
    assert decl.rows_with_warnings == NOT_IN_HS_ROWS + ZERO_VALUE_ROWS + len(EXTREME_610910)
    assert [(w.field, w.code, w.rows) for w in report.table("trade_flows").warnings] == [
        ("value_usd", "extreme_unit_value", 1)
    ]
    assert report.table("events").warnings == []


def test_quarantine_by_table_and_field(planted_duckdb):
    q = build_report(planted_duckdb, AS_OF).quarantine
    assert q.total == 10
    assert q.by_table == {"declarations": 7, "inspections": 3}
    assert [(c.table, c.field, c.rows) for c in q.by_field] == [
        ("declarations", "hs_code", 6),  # 4 alone + 2 with customs_value
        ("declarations", "customs_value", 2),
        ("declarations", "lodged_at", 1),
        ("inspections", "result", 3),
    ]
    assert q.by_field[-1].example == "result: not one of compliant, fraud, critical"
    # the example is the part of the reasons about that field
    assert q.by_field[1].example == "customs_value: negative"
    assert q.by_field[0].example == "hs_code: empty"


def test_reason_for_picks_the_field_part():
    reasons = "lodged_at: not a date: 'x'; hs_code (column 'HS'): malformed: 'abc'"
    assert reason_for("hs_code", reasons) == "hs_code (column 'HS'): malformed: 'abc'"
    assert (
        reason_for("item_no", "declaration_id, item_no: duplicate key")
        == "declaration_id, item_no: duplicate key"
    )
    assert reason_for("office_id", "free text") == "free text"
    assert reason_for("x", None) is None


def _robust(values: list[float]) -> tuple[float, float, float, float, int]:
    """Reference: median, quartiles (linear interpolation), MAD and outliers, in plain Python."""
    median = statistics.median(values)
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    mad = statistics.median([abs(v - median) for v in values])
    outliers = sum(abs(v - median) / (1.4826 * mad) > 3.5 for v in values)
    return median, q1, q3, mad, outliers


def test_unit_value_outliers(planted_duckdb):
    uv = build_report(planted_duckdb, AS_OF).unit_values
    assert (uv.min_count, uv.threshold) == (20, 3.5)
    assert "1.4826" in uv.rule and "3.5" in uv.rule and "20" in uv.rule
    # 090111 has 10 items (below 20); items without mass or value never count
    assert uv.hs6_assessed == 3
    assert uv.items_assessed == len(GRID_610910) + len(EXTREME_610910) + len(GRID_300490) + len(GRID_847130)
    assert uv.outliers == len(EXTREME_610910) == 5
    assert uv.outlier_share == pytest.approx(5 / uv.items_assessed)
    assert [g.hs6 for g in uv.top] == ["610910", "300490", "847130"]
    top = uv.top[0]
    median, q1, q3, mad, outliers = _robust(GRID_610910 + EXTREME_610910)
    assert (top.items, top.outliers) == (106, outliers) == (106, 5)
    assert top.outlier_share == pytest.approx(5 / 106)
    assert top.median_log_uv == pytest.approx(median, rel=REL_TOL)
    assert top.q1_log_uv == pytest.approx(q1, rel=REL_TOL)
    assert top.q3_log_uv == pytest.approx(q3, rel=REL_TOL)
    assert top.mad_log_uv == pytest.approx(mad, rel=REL_TOL)
    assert top.median_unit_value == pytest.approx(math.exp(median))
    # a lower minimum brings the small HS6 in; top keeps only the first ones
    small = build_report(planted_duckdb, AS_OF, min_count=3, top=1).unit_values
    assert small.hs6_assessed == 4 and len(small.top) == 1


def test_inspection_coverage(planted_duckdb):
    cov = build_report(planted_duckdb, AS_OF).inspections
    assert cov.items == 483
    assert cov.inspected_items == 120  # every 4th item; the duplicated inspection counts once
    assert cov.share_inspected == pytest.approx(120 / 483)
    assert cov.inspections == 123
    assert cov.inspections_without_declaration == ORPHAN_INSPECTIONS
    assert cov.results == {"compliant": 61, "critical": 30, "fraud": 32}


def test_empty_warehouse_says_so(duckdb_warehouse):
    report = build_report(duckdb_warehouse, AS_OF)
    assert report.empty and report.message == EMPTY_MESSAGE
    assert all(t.rows == 0 and t.latest is None and t.fields[0].completeness is None for t in report.tables)
    assert report.inspections.share_inspected is None
    assert report.unit_values.top == [] and report.quarantine.total == 0


def test_report_is_json_and_reproducible(planted_duckdb):
    import json

    first = build_report(planted_duckdb, AS_OF).to_json_dict()
    assert json.loads(json.dumps(first)) == first
    assert first["as_of"] == "2024-07-01"
    assert build_report(planted_duckdb, AS_OF).to_json_dict() == first
    later = build_report(planted_duckdb, AS_OF + dt.timedelta(days=10)).to_json_dict()
    assert later["tables"][0]["days_since_latest"] == first["tables"][0]["days_since_latest"] + 10


def assert_same(a, b, path: str = "report") -> None:
    """Deep equality, floats within REL_TOL."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, int | float) and isinstance(b, int | float), path
        assert math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12), f"{path}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_spark_report_equals_duckdb(spark_warehouse, duckdb_warehouse, planted):
    """One Spark test (start-up is the cost): empty warehouse, then the planted one."""
    empty_spark = build_report(spark_warehouse, AS_OF).to_json_dict()
    empty_duck = build_report(duckdb_warehouse, AS_OF).to_json_dict()
    assert (empty_spark.pop("engine"), empty_duck.pop("engine")) == ("pyspark", "duckdb")
    assert_same(empty_spark, empty_duck)

    load_spark(spark_warehouse, planted)
    load_duckdb(duckdb_warehouse, planted)
    on_spark = build_report(spark_warehouse, AS_OF).to_json_dict()
    on_duck = build_report(duckdb_warehouse, AS_OF).to_json_dict()
    on_spark.pop("engine"), on_duck.pop("engine")
    assert on_duck["unit_values"]["outliers"] == 5  # the comparison is over a non-trivial report
    assert_same(on_spark, on_duck)
