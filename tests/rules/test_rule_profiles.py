"""Rule profiles: checked at entry (one clear line, nothing accepted otherwise), compiled into one Ibis
expression over declarations, and the same answers one row at a time in plain Python."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from clearsight.core.errors import UserError
from clearsight.rules.profiles import (
    RULE_FIELDS,
    ConditionError,
    RuleSet,
    check_condition,
    declarations_schema,
    load_rule_file,
    rule_of,
)
from clearsight.rules.rows import RowRules, condition_fn
from clearsight.schema.tables import LANES


def rule(name: str, lane: str = "red", **criteria) -> object:
    return rule_of({"name": name, "lane": lane, "reason": "test", **criteria})


def items(rows: list[dict]) -> pa.Table:
    """Declaration rows with every canonical field (absent ones NULL)."""
    schema = declarations_schema().to_pyarrow()
    defaults = {"lodged_at": dt.datetime(2024, 6, 1, 9), "declaration_id": "D", "item_no": 1}
    full = [{**dict.fromkeys(schema.names), **defaults, **r} for r in rows]
    return pa.Table.from_pylist(full, schema=schema)


def run_duckdb(rules: RuleSet, table: pa.Table):
    con = ibis.duckdb.connect()
    try:
        return rules.evaluate(con.create_table("items", table), order_by=["declaration_id", "item_no"])
    finally:
        con.disconnect()


# -- entry checks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"lane": "purple", "hs_codes": "85"}, "unknown lane 'purple'; lanes: red, yellow, blue, green"),
        ({"hs_code": "85"}, "unknown field 'hs_code'; a rule has the fields: name, lane"),
        ({"hs_codes": "85", "valid_from": "2024-02-30"}, "valid_from: '2024-02-30' is not a date"),
        (
            {"hs_codes": "85", "valid_from": "2024-03-01", "valid_to": "2024-02-01"},
            "valid_to (2024-02-01) is before",
        ),
        ({"hs_codes": "8x"}, "HS code prefixes are 2 to 10 digits, not '8x'"),
        ({"countries_of_origin": "CN,XX"}, "not ISO 3166 alpha-2 country codes: 'XX'"),
        ({"modes_of_transport": "teleport"}, "unknown mode(s) 'teleport'"),
        (
            {"min_customs_value": 10, "max_customs_value": 5},
            "max_customs_value (5) is below min_customs_value (10)",
        ),
        ({}, "a rule needs at least one criterion"),
        (
            {"condition": "bogus > 1"},
            "condition: unknown field 'bogus'; the declaration fields are: declaration_id",
        ),
        ({"condition": "customs_value >= = 1"}, "is not valid SQL near '='"),
        ({"condition": "hs_code > 5"}, "not comparable"),
        ({"condition": "customs_value + 1"}, "gives a float64, not true/false"),
        ({"condition": "sleep(1) = 0"}, "sleep is not supported in a rule condition"),
        ({"condition": "customs_value IN (SELECT 1)"}, "cannot hold a sub-query"),
        ({"condition": "customs_value > 1; DROP TABLE declarations"}, "must be one SQL condition"),
        ({"condition": "d.customs_value > 1"}, "without a table prefix"),
        ({"condition": "substr(hs_code, 0, 2) = '85'"}, "substr takes a whole number start"),
    ],
)
def test_a_wrong_rule_is_refused_with_one_line(values, expected):
    with pytest.raises(UserError) as err:
        rule_of({"name": "r1", "lane": "red", "reason": "why", **values})
    message = str(err.value)
    assert expected in message and "\n" not in message


def test_unknown_field_lists_every_field():
    with pytest.raises(UserError) as err:
        rule_of({"name": "r1", "lane": "red", "reason": "why", "origin": "CN"})
    assert all(name in str(err.value) for name in RULE_FIELDS)


def test_values_are_normalised():
    r = rule("r1", "RED", hs_codes="8541.43, 85", countries_of_origin=["cn"], modes_of_transport="Sea")
    assert (r.lane, r.hs_codes, r.countries_of_origin, r.modes_of_transport) == (
        "red",
        ["854143", "85"],
        ["CN"],
        ["sea"],
    )
    assert r.describe() == "hs codes: 854143, 85; countries of origin: CN; modes of transport: sea"


def test_yaml_file_with_one_bad_rule_is_refused_whole(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - name: good\n    lane: red\n    reason: ok\n    hs_codes: [8541]\n"
        "  - name: bad\n    lane: red\n    reason: ok\n    hs_code: [8541]\n"
    )
    with pytest.raises(UserError, match=r"rules.yaml line 6 \(rule 'bad'\): unknown field 'hs_code'"):
        load_rule_file(path)


def test_yaml_that_does_not_parse_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("- name: a\n  lane: red\n  reason: [unclosed\n")
    with pytest.raises(UserError, match=r"broken.yaml line \d+: not valid YAML"):
        load_rule_file(path)
    path.write_text("just a sentence")
    with pytest.raises(UserError, match="expected a rule"):
        load_rule_file(path)
    path.write_text(
        "- {name: a, lane: red, reason: x, offices: [K1]}\n- {name: a, lane: red, reason: x, offices: [K2]}\n"
    )
    with pytest.raises(UserError, match="a second rule called 'a'"):
        load_rule_file(path)


def test_yaml_forms(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("name: a\nlane: yellow\nreason: x\nmax_unit_value: 2\nvalid_from: 2024-01-01\n")
    (a,) = load_rule_file(one)
    assert a.lane == "yellow" and a.valid_from == dt.date(2024, 1, 1)
    many = tmp_path / "many.yaml"
    many.write_text(
        "- {name: a, lane: red, reason: x, offices: K1}\n- {name: b, lane: green, reason: y, offices: [K2]}\n"
    )
    assert [r.name for r in load_rule_file(many)] == ["a", "b"]


# -- compiled rules -------------------------------------------------------------------------------------
def test_rule_set_hits_and_strictest_lane():
    rules = RuleSet(
        [
            rule("solar", "red", hs_codes="8541", countries_of_origin="CN"),
            rule("cheap", "yellow", max_unit_value=1.0),
            rule("aeo", "green", condition="aeo_status AND customs_value < 50000"),
            rule("audit", "blue", importers="IM1"),
            rule("old", "red", offices="K1", valid_to="2023-12-31"),
            rule("off", "red", offices="K1", enabled=False),
        ]
    )
    assert len(rules) == 5  # a disabled rule is not compiled
    table = items(
        [
            {
                "declaration_id": "A",
                "hs_code": "85414300",
                "country_of_origin": "CN",
                "customs_value": 100.0,
                "net_mass_kg": 200.0,
            },
            {
                "declaration_id": "B",
                "aeo_status": True,
                "customs_value": 1000.0,
                "importer_id": "IM1",
                "office_id": "K1",
            },
            {"declaration_id": "C", "customs_value": 1000.0, "net_mass_kg": None, "aeo_status": None},
            {"declaration_id": "D", "office_id": "K1", "lodged_at": dt.datetime(2023, 12, 31, 23, 59)},
        ]
    )
    rows, hits = run_duckdb(rules, table)
    assert rows.column_names == table.column_names
    assert rows["declaration_id"].to_pylist() == ["A", "B", "C", "D"]
    assert hits.rules_hit.to_pylist() == [["solar", "cheap"], ["aeo", "audit"], [], ["old"]]
    assert [LANES[c] if c >= 0 else None for c in hits.rule_lane] == ["red", "blue", None, "red"]
    row_rules = RowRules(rules)
    assert [row_rules.hits(r) for r in table.to_pylist()] == hits.rules_hit.to_pylist()
    assert row_rules.lane(["aeo", "audit"]) == "blue" and row_rules.lane([]) is None


def test_applying_keeps_rules_valid_in_the_window():
    rules = RuleSet(
        [rule("a", offices="K1", valid_to="2024-01-31"), rule("b", offices="K1", valid_from="2024-03-01")]
    )
    assert [r.name for r in rules.applying(dt.date(2024, 2, 1), dt.date(2024, 2, 28)).rules] == []
    assert [r.name for r in rules.applying(dt.date(2024, 1, 31), dt.date(2024, 3, 1)).rules] == ["a", "b"]


def test_no_rules_means_no_hits():
    rows, hits = run_duckdb(RuleSet([]), items([{"declaration_id": "A"}, {"declaration_id": "B"}]))
    assert rows.num_rows == 2 and hits.rules_hit.to_pylist() == [[], []] and (hits.rule_lane == -1).all()


CONDITIONS = [
    "customs_value / net_mass_kg < 50 AND hs_code LIKE '85%'",
    "country_of_origin NOT IN ('CN', 'VN')",
    "lodged_at >= DATE '2024-06-01'",
    "lodged_at < TIMESTAMP '2024-03-01 12:00:00'",
    "substr(hs_code, 1, 4) = '8541'",
    "substring(hs_code, 3) LIKE '41%'",
    "lower(goods_description) LIKE '%module%'",
    "goods_description ILIKE '%PV%' OR seller_id IS NULL",
    "goods_description NOT LIKE '%a_c%'",
    "duty_rate BETWEEN 0 AND 5 AND preference_code IS NOT NULL",
    "coalesce(preference_code, 'none') = 'none'",
    "cast(quantity AS int) % 2 = 1",
    "round(customs_value / 1000, 1) > 12.3",
    "customs_value / (net_mass_kg - net_mass_kg) > 1",
    "NOT aeo_status OR country_of_export IN ('US', NULL)",
    "length(trim(goods_description)) > 30",
    "abs(-customs_value) > 100000 AND upper(quantity_unit) = 'KG'",
    "item_no * 2 - 1 >= 3 OR -duty_rate < -10",
    "cast(customs_value AS varchar) LIKE '1%'",
    "aeo_status = FALSE",
]


def test_python_rows_answer_like_the_warehouse(synthetic_warehouse_file):
    """Every supported construct, on real declarations: the row-at-a-time compilation (real-time
    decider) and the Ibis compilation run by DuckDB (batch) hit the same items."""
    rules = [rule(f"c{i}", condition=c) for i, c in enumerate(CONDITIONS)]
    rules += [
        rule("s1", "yellow", hs_codes="85,3924", min_customs_value=10_000, countries_of_export="US,ZA"),
        rule(
            "s2",
            "blue",
            max_unit_value=50,
            modes_of_transport="sea,air",
            valid_from="2024-01-01",
            valid_to="2024-06-30",
        ),
    ]
    rule_set = RuleSet(rules)
    con = ibis.duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    try:
        d = con.table("declarations")
        sample = d.filter(d.item_no <= 2).order_by("declaration_id").limit(4000)
        rows, hits = rule_set.evaluate(sample, order_by=["declaration_id", "item_no"])
    finally:
        con.disconnect()
    per_rule = hits.matrix.sum(axis=0)
    assert ((per_rule > 0) & (per_rule < rows.num_rows)).sum() >= len(rules) - 4, (
        "the sample must exercise the rules"
    )
    row_rules = RowRules(rule_set)
    python = [row_rules.hits(r) for r in rows.to_pylist()]
    assert python == hits.rules_hit.to_pylist()


def test_sql_nulls_follow_three_valued_logic():
    row = {"customs_value": None, "aeo_status": True, "duty_rate": 5.0}
    assert condition_fn("customs_value > 1 OR aeo_status")(row) is True
    assert condition_fn("customs_value > 1 AND aeo_status")(row) is None
    assert condition_fn("NOT (customs_value > 1)")(row) is None
    assert condition_fn("duty_rate IN (1, NULL)")(row) is None
    assert condition_fn("duty_rate IN (5, NULL)")(row) is True


def test_condition_error_is_a_value_error():
    with pytest.raises(ConditionError):
        check_condition("nope")
