"""The quarantine round trip as a user does it, through the CLI on DuckDB: ingest a file with bad
rows, export them, fix the cells (here with the csv module, as a spreadsheet would), ingest the
corrected file: every row is accepted as fixed and the batch says which batch it corrects."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.schema import TABLES

runner = CliRunner()
MARKERS = ["_quarantine_batch", "_quarantine_row", "_quarantine_fields", "_quarantine_reasons"]
SOURCE = [
    "Decl No",
    "Item",
    "Date",
    "Office",
    "Declarant",
    "Importer",
    "Origin",
    "HS",
    "Value",
    "Mass",
    "Description",
]
CANONICAL = [
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
    "goods_description",
]
MAPPING = """table: declarations
source: {delimiter: ";"}
fields:
  declaration_id: Decl No
  item_no: Item
  lodged_at: Date
  office_id: Office
  declarant_id: Declarant
  importer_id: Importer
  country_of_origin: Origin
  hs_code: HS
  customs_value: Value
  net_mass_kg: Mass
  goods_description: Description
"""


def run(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)


def last_json(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def warehouse_rows(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def line(*cells: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(cells)
    return out.getvalue()


def good(decl: str, **changes: str) -> list[str]:
    row = dict(
        zip(
            SOURCE,
            [decl, "1", "2024-01-05", "OF1", "DC1", "IM1", "CN", "847130", "100", "10", "laptops"],
            strict=True,
        )
    )
    row.update(changes)
    return list(row.values())


def test_export_fix_and_ingest_again(tmp_path):
    home = tmp_path / "home"
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    source = tmp_path / "extract.csv"
    source.write_text(
        line(*SOURCE)
        + line(*good("D1"))
        + line(*good("D2", Importer="IM\x00EVIL"))
        + line(*good("D3", Mass="-5"))
        + line(*good("D4", Date="2024-13-45", Description='20" screen; "matte"\nsecond line'))
        + "D5;1;2024-01-05;OF1\n"  # too few fields
        + line(*good("D7", HS="84A1", Origin="C\x01N"))
        + line(*good("D8"))
    )
    first = run(home, "ingest", "declarations", str(source), "--mapping", str(mapping), "--json")
    assert first.exit_code == 0, first.output
    batch = last_json(first)["batch"]
    assert (last_json(first)["accepted"], last_json(first)["quarantined"]) == (2, 5)

    export = tmp_path / "fix-me.csv"
    exported = run(home, "quarantine", "export", "--out", str(export))
    assert exported.exit_code == 0 and "5 quarantined rows written" in exported.stdout
    with export.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))  # the batch's own delimiter
    header, body = table[0], table[1:]
    assert header == SOURCE + MARKERS + ["_quarantine_line"]
    rows = {r[header.index("Decl No")] or r[-1][:2]: dict(zip(header, r, strict=True)) for r in body}
    assert sorted(rows) == ["D2", "D3", "D4", "D5", "D7"]
    assert all(r["_quarantine_batch"] == batch for r in rows.values())
    assert rows["D2"]["Importer"] == "IM\x00EVIL" and rows["D2"]["_quarantine_row"] == "2"
    assert (
        rows["D2"]["_quarantine_reasons"]
        == "importer_id (column 'Importer'): control character U+0000 at position 3: 'IM␀EVIL'"
    )
    assert rows["D4"]["Description"] == '20" screen; "matte"\nsecond line'
    assert rows["D7"]["_quarantine_fields"] == "country_of_origin,hs_code"
    # A refused line: split into the columns when it has no more fields than the header.
    assert [rows["D5"][c] for c in SOURCE] == ["D5", "1", "2024-01-05", "OF1"] + [""] * 7
    assert rows["D5"]["_quarantine_line"] == "D5;1;2024-01-05;OF1"
    assert "row has 4 fields, the header has 11" in rows["D5"]["_quarantine_reasons"]
    assert all(r["_quarantine_line"] == "" for k, r in rows.items() if k != "D5")

    fixes = {
        "D2": {"Importer": "IM2"},
        "D3": {"Mass": "5.5"},
        "D4": {"Date": "2024-01-31"},
        "D5": dict(zip(SOURCE, good("D5", Importer="IM5", Description="ré-exporté\ttab"), strict=True)),
        "D7": {"HS": "8471.30", "Origin": "China"},
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for key, row in rows.items():
        writer.writerow([{**row, **fixes[key]}[c] for c in header])
    corrected = tmp_path / "fixed.csv"
    corrected.write_text(out.getvalue(), encoding="utf-8")

    second = run(home, "ingest", "declarations", str(corrected), "--mapping", str(mapping), "--json")
    assert second.exit_code == 0, second.output
    summary = last_json(second)
    assert (summary["rows_in"], summary["accepted"], summary["quarantined"]) == (5, 5, 0)
    assert summary["corrects_batch"] == batch
    assert "ignored" not in second.output  # the marker columns are no data: no note about them
    fixed_batch = summary["batch"]

    stored = {
        r[0]: r
        for r in warehouse_rows(
            home,
            "SELECT declaration_id, importer_id, net_mass_kg, lodged_at::VARCHAR, goods_description, "
            f"hs_code, country_of_origin FROM declarations WHERE batch_id = '{fixed_batch}'",
        )
    }
    assert sorted(stored) == ["D2", "D3", "D4", "D5", "D7"]
    assert stored["D2"][1] == "IM2" and stored["D3"][2] == 5.5
    assert stored["D4"][3] == "2024-01-31 00:00:00"
    assert stored["D4"][4] == '20" screen; "matte"\nsecond line'  # byte for byte, through two CSV files
    assert stored["D5"][1] == "IM5" and stored["D5"][4] == "ré-exporté\ttab"
    assert stored["D7"][5:] == ("847130", "CN")
    assert warehouse_rows(home, "SELECT count(*) FROM declarations") == [(7,)]
    lineage = dict(warehouse_rows(home, "SELECT batch_id, corrects_batch FROM ingest_batches"))
    assert lineage == {batch: None, fixed_batch: batch}
    listed = json.loads(run(home, "quarantine", "list", "--json").stdout)
    assert [(r["batch_id"], r["corrected_by"]) for r in listed] == [(batch, fixed_batch)]


def test_parquet_export_round_trip(tmp_path):
    home = tmp_path / "home"
    source = tmp_path / "d.csv"
    source.write_text(
        "declaration_id,item_no,lodged_at,office_id,declarant_id,importer_id,country_of_origin,hs_code,customs_value\n"
        "D1,1,2024-01-05,OF1,DC1,IM\x00EVIL,CN,847130,100\n"
        "D2,1,2024-01-05,OF1,DC1,IM2,CN,847130,-3\n"
    )
    batch = last_json(run(home, "ingest", "declarations", str(source), "--json"))["batch"]
    export = tmp_path / "fix.parquet"
    assert run(home, "quarantine", "export", "--out", str(export)).exit_code == 0
    data = pq.read_table(export)
    assert data.column_names[-4:] == MARKERS and data.column_names[0] == "declaration_id"
    rows = data.to_pylist()
    assert rows[0]["importer_id"] == "IM\x00EVIL" and rows[1]["customs_value"] == "-3"
    rows[0]["importer_id"], rows[1]["customs_value"] = "IM1", "3"
    pq.write_table(pa.Table.from_pylist(rows, schema=data.schema), tmp_path / "fixed.parquet")
    again = last_json(run(home, "ingest", "declarations", str(tmp_path / "fixed.parquet"), "--json"))
    assert (again["accepted"], again["quarantined"], again["corrects_batch"]) == (2, 0, batch)
    assert warehouse_rows(home, "SELECT importer_id, customs_value FROM declarations ORDER BY 1") == [
        ("IM1", 100.0),
        ("IM2", 3.0),
    ]


def test_nul_survives_an_unfixed_round_trip_from_json_lines(tmp_path):
    """A NUL read from a JSON lines file is exported as it was (JSON lines and CSV alike); loading
    the unfixed export refuses the row again, for the same reason."""
    home = tmp_path / "home"
    source = tmp_path / "d.jsonl"
    base = {"item_no": 1, "lodged_at": "2024-01-05", "office_id": "OF1", "declarant_id": "DC1"}
    base |= {"country_of_origin": "CN", "hs_code": "847130", "customs_value": 100}
    source.write_text(
        json.dumps({"declaration_id": "D1", **base, "importer_id": "IM\x00EVIL"})
        + "\n[1, 2]\n"  # not an object
        + json.dumps({"declaration_id": "D3", **base, "importer_id": "IM3"})
        + "\n"
    )
    batch = last_json(run(home, "ingest", "declarations", str(source), "--json"))["batch"]
    as_jsonl, as_csv = tmp_path / "fix.jsonl", tmp_path / "fix.csv"
    assert run(home, "quarantine", "export", "--out", str(as_jsonl)).exit_code == 0
    assert run(home, "quarantine", "export", "--out", str(as_csv)).exit_code == 0
    exported = [json.loads(x) for x in as_jsonl.read_text(encoding="utf-8").splitlines()]
    assert exported[0]["importer_id"] == "IM\x00EVIL" and exported[0]["customs_value"] == "100"
    assert exported[1]["declaration_id"] is None and exported[1]["_quarantine_line"] == "[1, 2]"
    with as_csv.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[1][table[0].index("importer_id")] == "IM\x00EVIL"

    for i, export in enumerate((as_jsonl, as_csv)):
        again = run(home, "ingest", "declarations", str(export), "--json")
        summary = last_json(again)
        assert (summary["accepted"], summary["quarantined"], summary["corrects_batch"]) == (0, 2, batch)
        shown = [
            json.loads(x)
            for x in run(home, "quarantine", "show", summary["batch"], "--json").stdout.splitlines()
        ]
        assert shown[0]["reasons"] == "importer_id: control character U+0000 at position 3: 'IM␀EVIL'"
        assert json.loads(shown[0]["raw"])["importer_id"] == "IM\x00EVIL"
        # ...and the markers are not taken for data: exporting the new batch gives the same layout.
        redo = tmp_path / f"redo{i}{export.suffix}"
        assert (
            run(home, "quarantine", "export", "--batch", summary["batch"], "--out", str(redo)).exit_code == 0
        )
        first_line = redo.read_text(encoding="utf-8").splitlines()[0]
        assert first_line.count("_quarantine_batch") == 1


def test_batches_of_different_layouts_are_exported_one_at_a_time(tmp_path):
    home = tmp_path / "home"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    required = "declaration_id,item_no,lodged_at,office_id,declarant_id,importer_id,country_of_origin,hs_code,customs_value"
    a.write_text(f"{required}\nD1,x,2024-01-05,OF1,DC1,IM1,CN,847130,1\n")
    b.write_text(f"{required},net_mass_kg\nD2,1,2024-01-05,OF1,DC1,IM1,CN,847130,1,-1\n")
    for f in (a, b):
        assert last_json(run(home, "ingest", "declarations", str(f), "--json"))["quarantined"] == 1
    refused = run(home, "quarantine", "export", "--out", str(tmp_path / "x.csv"))
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "2 batches with different columns" in refused.stderr and "--batch" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.csv").exists()
    batch = last_json(run(home, "ingest", "declarations", str(b), "--json"))["batch"]
    one = run(home, "quarantine", "export", "--batch", batch, "--out", str(tmp_path / "b-fix.csv"))
    assert one.exit_code == 0
    assert (tmp_path / "b-fix.csv").read_text().splitlines()[0] == f"{required},net_mass_kg," + ",".join(
        MARKERS
    )


def test_a_warehouse_made_before_corrects_batch_gets_the_column(tmp_path):
    """A warehouse file written by the earlier schema (no ingest_batches.corrects_batch): opening it
    adds the column, its rows keep their values, and the round trip works on it."""
    home = tmp_path / "home"
    home.mkdir()
    old = {c: t for c, t in TABLES["ingest_batches"].storage_schema().items() if c != "corrects_batch"}
    sql_types = {"string": "VARCHAR", "int64": "BIGINT", "timestamp": "TIMESTAMP"}
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(
            f"CREATE TABLE ingest_batches ({', '.join(f'{c} {sql_types[t]}' for c, t in old.items())})"
        )
        con.execute(
            "INSERT INTO ingest_batches (batch_id, table_name, source, sha256, rows_in, accepted, quarantined, "
            "warnings, started_at, finished_at) VALUES ('parties-old', 'parties', 'p.csv', 'x', 1, 1, 0, 0, "
            "TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01')"
        )
    source = tmp_path / "p.csv"
    source.write_text("party_id,name\nP\x001,Acme\nP2,Beta\n")
    first = last_json(run(home, "ingest", "parties", str(source), "--json"))
    assert (first["accepted"], first["quarantined"]) == (1, 1)
    export = tmp_path / "fix.csv"
    assert run(home, "quarantine", "export", "--out", str(export)).exit_code == 0
    lines = export.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "party_id,name," + ",".join(MARKERS)
    export.write_text("\n".join([lines[0], lines[1].replace("P\x001", "P1")]) + "\n", encoding="utf-8")
    second = last_json(run(home, "ingest", "parties", str(export), "--json"))
    assert (second["accepted"], second["corrects_batch"]) == (1, first["batch"])
    assert warehouse_rows(
        home, "SELECT batch_id, corrects_batch FROM ingest_batches ORDER BY started_at"
    ) == [
        ("parties-old", None),
        (first["batch"], None),
        (second["batch"], first["batch"]),
    ]
    assert warehouse_rows(home, "SELECT party_id FROM parties ORDER BY 1") == [("P1",), ("P2",)]


def test_a_line_with_more_fields_than_the_header_keeps_them_in_its_line(tmp_path):
    """Which field of such a line is the surplus one is the user's call: its columns stay empty (so
    that loading it unfixed refuses it again) and the whole line is in _quarantine_line. The
    quarantine row is written here as ingestion writes a line the reader refused."""
    home = tmp_path / "home"
    source = tmp_path / "d.csv"
    source.write_text(",".join(CANONICAL) + "\n" + ",".join(good("D1", Mass="-1")) + "\n")
    batch = last_json(run(home, "ingest", "declarations", str(source), "--json"))["batch"]
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(
            "INSERT INTO quarantine VALUES (?, 'declarations', ?, 2, ?, '(row)', 'row has 12 fields, the header has 11')",
            [batch, str(source), json.dumps({"line": ",".join(good("D2")) + ",surplus"})],
        )
    export = tmp_path / "fix.csv"
    assert run(home, "quarantine", "export", "--out", str(export)).exit_code == 0
    with export.open(encoding="utf-8", newline="") as fh:
        header, first, second = list(csv.reader(fh))
    assert header == CANONICAL + MARKERS + ["_quarantine_line"]
    assert first[:11] == good("D1", Mass="-1") and first[-1] == ""
    assert second[:11] == [""] * 11 and second[-1] == ",".join(good("D2")) + ",surplus"
    again = last_json(run(home, "ingest", "declarations", str(export), "--json"))
    assert (again["accepted"], again["quarantined"]) == (0, 2)  # nothing slips in unfixed
