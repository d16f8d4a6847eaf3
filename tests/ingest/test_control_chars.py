"""Control characters in identifiers, codes and free text: refused by the quality gate with the
character and its position, never stored (a NUL in an identifier breaks every later query on it)."""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from pathlib import Path

import pytest

from clearsight.ingest.load import ingest_file

COLUMNS = [
    "declaration_id",
    "item_no",
    "lodged_at",
    "office_id",
    "declarant_id",
    "importer_id",
    "country_of_origin",
    "hs_code",
    "customs_value",
    "net_mass_kg",
    "procedure_code",
    "goods_description",
]
GOOD = {
    "item_no": "1",
    "lodged_at": "2024-01-05",
    "office_id": "OF1",
    "declarant_id": "DC1",
    "importer_id": "IM1",
    "country_of_origin": "CN",
    "hs_code": "847130",
    "customs_value": "100",
    "net_mass_kg": "10",
    "procedure_code": "4000",
    "goods_description": "laptops",
}


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Rows written by the csv module (quoting what needs it), every column filled from GOOD."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i, row in enumerate(rows, 1):
            writer.writerow([{"declaration_id": f"D{i}", **GOOD, **row}[c] for c in COLUMNS])
    return path


def quarantined(wh) -> dict[int, dict]:
    return {r["row_no"]: r for r in wh.table("quarantine").to_pyarrow().to_pylist()}


def accepted(wh) -> dict[str, dict]:
    return {r["declaration_id"]: r for r in wh.table("declarations").to_pyarrow().to_pylist()}


def test_a_nul_in_an_identifier_is_refused_with_its_position(duckdb_warehouse, tmp_path):
    f = write_csv(tmp_path / "d.csv", [{"importer_id": "IM\x00EVIL"}, {}])
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.rows_in, result.accepted, result.quarantined) == (2, 1, 1)
    row = quarantined(duckdb_warehouse)[1]
    assert row["fields"] == "importer_id"
    assert row["reasons"] == "importer_id: control character U+0000 at position 3: 'IM␀EVIL'"
    assert json.loads(row["raw"])["importer_id"] == "IM\x00EVIL"  # the raw value, kept as read
    assert set(accepted(duckdb_warehouse)) == {"D2"}


@pytest.mark.parametrize(
    ("field", "value", "refused"),
    [
        ("declaration_id", "D\x01X", "U+0001 at position 2"),
        ("office_id", "OF\x7f1", "U+007F at position 3"),
        ("declarant_id", "DC1\u0085", "U+0085 at position 4"),  # C1 (NEL)
        ("importer_id", "IM\t1", "U+0009 at position 3"),  # no tab in a code
        ("procedure_code", "40\n00", "U+000A at position 3"),  # a code-like text field
        ("goods_description", "lap\x00tops", "U+0000 at position 4"),
        ("goods_description", "lap\x1btops", "U+001B at position 4"),
        ("hs_code", "8471\x0030", "U+0000 at position 5"),  # a parsed code: the parse error names it
        ("country_of_origin", "C\x00N", "U+0000 at position 2"),
        ("customs_value", "1\x0000", "U+0000 at position 2"),
        ("lodged_at", "2024-01-0\x005", "U+0000 at position 10"),
    ],
)
def test_control_characters_are_refused(duckdb_warehouse, tmp_path, field, value, refused):
    f = write_csv(tmp_path / "d.csv", [{field: value}])
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.accepted, result.quarantined) == (0, 1)
    row = quarantined(duckdb_warehouse)[1]
    assert row["fields"] == field
    assert row["reasons"].startswith(f"{field}: control character {refused}: '")
    assert "\x00" not in row["reasons"] and value not in row["reasons"]  # shown as visible symbols


@pytest.mark.parametrize(
    "text",
    [
        "laptops\tand\ttablets",
        "line one\nline two",
        "line one\r\nline two",
        "l\u2019huile \u0092",  # C1 in prose: a Windows-1252 quote read as Latin-1
        "caf\u00e9 \u00a9",
    ],
)
def test_free_text_keeps_tabs_line_breaks_and_c1(duckdb_warehouse, tmp_path, text):
    f = write_csv(tmp_path / "d.csv", [{"goods_description": text}])
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.accepted, result.quarantined) == (1, 0)
    assert accepted(duckdb_warehouse)["D1"]["goods_description"] == text


def test_json_lines_with_escaped_nul(duckdb_warehouse, tmp_path):
    f = tmp_path / "d.jsonl"
    rows = [{"declaration_id": "D1", **GOOD, "importer_id": "IM\x00EVIL"}, {"declaration_id": "D2", **GOOD}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))  # json writes NUL as \u0000
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.rows_in, result.accepted, result.quarantined) == (2, 1, 1)
    row = quarantined(duckdb_warehouse)[1]
    assert row["reasons"] == "importer_id: control character U+0000 at position 3: 'IM␀EVIL'"
    assert json.loads(row["raw"])["importer_id"] == "IM\x00EVIL"


def test_a_single_identifier_is_checked_too(duckdb_warehouse, tmp_path):
    """A file with one identifier column takes the path without the row-wide search."""
    f = tmp_path / "s.csv"
    f.write_text("seizure_id,seized_on\nS\x001,2024-01-05\nS2,2024-01-05\n")
    result = ingest_file(duckdb_warehouse, "seizures", f)
    assert (result.accepted, result.quarantined) == (1, 1)
    assert quarantined(duckdb_warehouse)[1]["reasons"].startswith(
        "seizure_id: control character U+0000 at position 2"
    )


def first_control(value: str) -> tuple[int, str] | None:
    """Python's own answer: the first character of Unicode category Cc (C0, DEL, C1) and its position."""
    for i, ch in enumerate(value, 1):
        if unicodedata.category(ch) == "Cc":
            return i, f"U+{ord(ch):04X}"
    return None


def test_the_gate_agrees_with_unicode_categories(duckdb_warehouse, tmp_path):
    """Random identifiers mixing ordinary characters with every control character: a value is
    refused exactly when Python finds a Cc character in it, and the reason names the first one."""
    rng = random.Random(20261207)
    controls = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]
    ordinary = [*"AZaz09-/._ ", "\u00e9", "\u00a0", "\u20ac", "\u2028", "\u00ad", "\ufeff"]
    values = []
    for _ in range(300):
        chars = [rng.choice(ordinary if rng.random() < 0.85 else controls) for _ in range(rng.randint(1, 12))]
        value = "ID" + "".join(chars) + "Z"  # letters at both ends: nothing to trim
        values.append(value)
    f = write_csv(tmp_path / "ids.csv", [{"importer_id": v} for v in values])
    result = ingest_file(duckdb_warehouse, "declarations", f)
    expected = {i: first_control(v) for i, v in enumerate(values, 1)}
    assert result.rows_in == len(values)
    assert result.quarantined == sum(1 for e in expected.values() if e) > 50
    got_q, got_a = quarantined(duckdb_warehouse), accepted(duckdb_warehouse)
    for row_no, value in enumerate(values, 1):
        if expected[row_no] is None:
            assert got_a[f"D{row_no}"]["importer_id"] == value
        else:
            position, code = expected[row_no]
            assert got_q[row_no]["reasons"].startswith(
                f"importer_id: control character {code} at position {position}: '"
            ), (value, got_q[row_no]["reasons"])
