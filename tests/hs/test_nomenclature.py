"""HS 2022 in the warehouse (DuckDB and Spark), codes checked, tariff lines from CSV, the trade-name lexicon."""

from __future__ import annotations

import pytest

from clearsight.core.errors import UserError
from clearsight.hs.lexicon import trade_names
from clearsight.hs.nomenclature import (
    NOMENCLATURE_TABLE,
    check_code,
    duty_by_hs6,
    entries,
    hs2022,
    load_nomenclature,
    load_tariff,
)
from clearsight.hs.retrieval import search_codes


def test_hs2022_has_every_level_and_parents():
    table = entries()
    levels = {
        lvl: sum(1 for e in table.values() if e.level == lvl) for lvl in ("chapter", "heading", "subheading")
    }
    assert levels["chapter"] == 96  # chapters 01-97 less the reserved 77
    assert levels["heading"] > 1200 and levels["subheading"] > 5600
    assert all(e.parent in table for e in table.values() if e.level != "chapter")
    assert table["610910"].parent == "6109" and "cotton" in table["610910"].description


def test_every_trade_name_points_at_a_real_code():
    missing = [code for code in trade_names() if code not in entries()]
    assert missing == []
    assert sum(len(v) for v in trade_names().values()) > 1500


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("123", "3 digits"),
        ("84713", "5 digits"),
        ("999999", "not a code of HS 2022"),
        ("84x1", "digits only"),
    ],
)
def test_bad_codes_are_refused_with_a_reason(code, fragment):
    with pytest.raises(UserError, match=fragment):
        check_code(code)


def test_good_codes_pass_in_any_spelling():
    assert check_code("8471.30") == "847130"
    assert check_code("8471 30 00") == "84713000"
    assert check_code("61") == "61"


def test_search_by_digits_and_by_words():
    assert [e.code for e in search_codes("8471", 3)] == ["8471", "847130", "847141"]
    codes = [e.code for e in search_codes("frozen shrimps", 6)]
    assert "0306" in codes and "030617" in codes


def _nomenclature_rows(warehouse):
    t = warehouse.table(NOMENCLATURE_TABLE)
    expr = t.filter(t.code.startswith("61")).order_by("code").select("code", "level", "parent", "description")
    return expr.to_pyarrow().to_pylist()


def test_nomenclature_table_on_duckdb_and_spark(duckdb_warehouse, spark_warehouse):
    assert load_nomenclature(duckdb_warehouse) == hs2022().num_rows
    load_nomenclature(spark_warehouse)
    on_duckdb, on_spark = _nomenclature_rows(duckdb_warehouse), _nomenclature_rows(spark_warehouse)
    assert on_duckdb == on_spark
    assert on_duckdb[0] == {
        "code": "61",
        "level": "chapter",
        "parent": "",
        "description": entries()["61"].description,
    }
    assert len(on_duckdb) == 1 + sum(1 for c in entries() if c.startswith("61") and len(c) > 2)


def test_tariff_csv_counts_every_refused_row(duckdb_warehouse, tmp_path):
    csv = tmp_path / "tariff.csv"
    csv.write_text(
        "hs_code,duty_rate,description\n"
        "61091000,35,T-shirts of cotton\n"
        "61091000,30,duplicate\n"
        "6109100,35,seven digits\n"
        "99999900,10,not in HS\n"
        "61099000,abc,bad rate\n"
        "61099000,25.0,\n",
        encoding="utf-8",
    )
    result = load_tariff(duckdb_warehouse, csv)
    assert result.loaded == 2
    assert [r for r, _ in result.refused] == [2, 3, 4, 5]
    rows = duty_by_hs6(duckdb_warehouse).order_by("hs6").to_pyarrow().to_pylist()
    assert rows == [{"hs6": "610910", "duty_rate": 35.0}, {"hs6": "610990", "duty_rate": 25.0}]


def test_tariff_csv_without_the_needed_columns_is_refused(duckdb_warehouse, tmp_path):
    csv = tmp_path / "tariff.csv"
    csv.write_text("code,rate\n61091000,35\n", encoding="utf-8")
    with pytest.raises(UserError, match="needs columns duty_rate, hs_code"):
        load_tariff(duckdb_warehouse, csv)
