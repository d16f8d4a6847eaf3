"""Reference unit values and valuation flags on planted declarations, by hand, and on Spark."""

from __future__ import annotations

import math
import statistics

import ibis.expr.types as ir
import numpy as np
import pytest
from trade_planted import CHEAP, FEW_IN, GRID, load, planted_declarations

from clearsight.core.errors import UserError
from clearsight.schema.measures import MAD_SCALE
from clearsight.trade.valuation import reference_unit_values, valuation_flags


@pytest.fixture
def decl_wh(duckdb_warehouse):
    load(duckdb_warehouse, declarations=planted_declarations())
    return duckdb_warehouse


def robust(values: list[float]) -> dict[str, float]:
    logs = [math.log(v) for v in values]
    med = statistics.median(logs)
    return {
        "items": len(values),
        "median_unit_value": math.exp(med),
        "q1_unit_value": math.exp(float(np.percentile(logs, 25))),  # linear interpolation, as the engines
        "q3_unit_value": math.exp(float(np.percentile(logs, 75))),
        "median_log_unit_value": med,
        "mad_log_unit_value": statistics.median(abs(v - med) for v in logs),
    }


def reference_rows(wh, **kw) -> dict[tuple, dict]:
    ref = reference_unit_values(wh.table("declarations"), **kw)
    assert isinstance(ref, ir.Table)  # what the Risk engine joins on
    return {(r["hs6"], r["country_of_origin"], r["period"]): r for r in ref.to_pyarrow().to_pylist()}


def test_reference_statistics_by_hand(decl_wh):
    rows = reference_rows(decl_wh, min_count=10)
    # CN has 12 items: its own reference; IN has 3: only in the all-origins HS6 reference
    assert set(rows) == {("610910", "CN", "2023"), ("610910", None, "2023")}
    for key, values, level in (
        (("610910", "CN", "2023"), [*GRID, CHEAP], "hs6_origin"),
        (("610910", None, "2023"), [*GRID, CHEAP, *FEW_IN], "hs6"),
    ):
        row = rows[key]
        assert row["level"] == level
        for name, expected in robust(values).items():
            assert row[name] == pytest.approx(expected), (key, name)
    assert reference_rows(decl_wh, min_count=3)[("610910", "IN", "2023")]["items"] == 3
    # 15 items lodged day by day from 1 March
    assert {k[2] for k in reference_rows(decl_wh, period="quarter", min_count=2)} == {"2023Q1"}
    assert {k[2] for k in reference_rows(decl_wh, period="month", min_count=2)} == {"202303"}


def test_flags_the_cheap_item_with_its_duty_at_risk(decl_wh):
    f = valuation_flags(decl_wh.table("declarations"), min_count=10).to_pyarrow().to_pylist()
    assert len(f) == 15
    flagged = [r for r in f if r["flagged"]]
    assert len(flagged) == 1
    cheap = flagged[0]
    cn = robust([*GRID, CHEAP])
    assert cheap["unit_value"] == pytest.approx(CHEAP) and cheap["reference_level"] == "hs6_origin"
    expected_z = (math.log(CHEAP) - cn["median_log_unit_value"]) / (MAD_SCALE * cn["mad_log_unit_value"])
    assert cheap["robust_z"] == pytest.approx(expected_z) and expected_z < -3
    # (reference x mass - declared value) x effective rate (duties and taxes / value = 25 %)
    shortfall = cn["median_unit_value"] * 100.0 - CHEAP * 100.0
    assert cheap["duty_at_risk"] == pytest.approx(shortfall * 0.25)
    # IN items fall back to the all-origins reference and are not flagged
    india = [r for r in f if r["country_of_origin"] == "IN"]
    assert {r["reference_level"] for r in india} == {"hs6"} and not any(r["flagged"] for r in india)
    # with a minimum count no group reaches, nothing has a reference and nothing is flagged
    none = valuation_flags(decl_wh.table("declarations"), min_count=100).to_pyarrow().to_pylist()
    assert all(r["reference_level"] is None and not r["flagged"] for r in none)


def test_bad_options(decl_wh):
    with pytest.raises(UserError, match="period must be"):
        reference_unit_values(decl_wh.table("declarations"), period="week")
    with pytest.raises(UserError, match="at least 2"):
        reference_unit_values(decl_wh.table("declarations"), min_count=1)
    with pytest.raises(UserError, match="between 0 and 1"):
        valuation_flags(decl_wh.table("declarations"), ratio_below=2)


def test_spark_gives_the_same_references(decl_wh, spark_warehouse):
    load(spark_warehouse, declarations=planted_declarations())
    duck = reference_rows(decl_wh, min_count=3)
    spark = reference_rows(spark_warehouse, min_count=3)
    assert sorted(spark, key=str) == sorted(duck, key=str)
    for key, d in duck.items():
        for name, value in d.items():
            if isinstance(value, float):
                assert spark[key][name] == pytest.approx(value, rel=1e-9), (key, name)
            else:
                assert spark[key][name] == value, (key, name)
