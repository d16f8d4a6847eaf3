"""Ingestion through the quality gate, on real files and the real DuckDB engine."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clearsight.ingest import load
from clearsight.ingest.load import ingest_file
from clearsight.ingest.mapping import MappingError
from clearsight.ingest.readers import FileRefused

HEADER = "declaration_id,item_no,lodged_at,office_id,declarant_id,importer_id,country_of_origin,hs_code,customs_value,net_mass_kg,goods_description\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rows(wh, table: str) -> list[dict]:
    return wh.table(table).to_pyarrow().to_pylist()


def test_clean_file_is_normalised(duckdb_warehouse, tmp_path):
    f = write(
        tmp_path / "d.csv",
        HEADER
        + 'D1,1,2024-01-05 10:30:00,OF1,DC1,IM1,China,8471.30.00,"1,234.50",10,laptops\n'
        + "D1,2,05/01/2024,OF1,DC1,IM1,deu,0101.21,99,2,horses\n"
        + "D2,1,2024-01-06,OF2,DC2,IM2,276,61091000,15,1,t-shirts\n",
    )
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.rows_in, result.accepted, result.quarantined) == (3, 3, 0)
    got = {(r["declaration_id"], r["item_no"]): r for r in rows(duckdb_warehouse, "declarations")}
    first = got[("D1", 1)]
    assert first["country_of_origin"] == "CN"
    assert first["hs_code"] == "84713000" and first["hs6"] == "847130" and first["hs2"] == "84"
    assert first["customs_value"] == pytest.approx(1234.5)
    assert str(first["lodged_at"]) == "2024-01-05 10:30:00"
    assert got[("D1", 2)]["country_of_origin"] == "DE"
    assert got[("D1", 2)]["hs_code"] == "010121"  # leading zero kept
    assert str(got[("D1", 2)]["lodged_at"]).startswith("2024-01-05")  # day first
    assert got[("D2", 1)]["country_of_origin"] == "DE"  # ISO numeric
    assert {r["batch_id"] for r in got.values()} == {result.batch}
    batch = rows(duckdb_warehouse, "ingest_batches")
    assert len(batch) == 1 and batch[0]["rows_in"] == 3 and len(batch[0]["sha256"]) == 64


def test_cells_are_read_as_people_write_them(duckdb_warehouse, tmp_path):
    header = "declaration_id,item_no,lodged_at,office_id,declarant_id,importer_id,country_of_origin,hs_code,customs_value,net_mass_kg,mode_of_transport\n"
    nbsp = "\u00a0"
    f = write(
        tmp_path / "people.csv",
        header
        + f'" C1 ",1,2024-01-31T10:30:00,{nbsp}OF1{nbsp},DC1,IM1, deu ,8471 30-00,"1 234.50",2,Maritime\n'
        + "C2,1,31.01.2024,OF1,DC1,IM1,Côte d'Ivoire,8471.30,1'234.5,3,4\n"
        + "C3,1,20240131,OF1,DC1,IM1,CN,847130,10,1,inland water\n"
        + "C4,1,2024-01-31 08:00:00+00:00,OF1,DC1,IM1,CN,847130,12.5,1,sea\n"
        + "C5,1,2024-01-31,OF1,DC1,IM1,CN,...,10,1,sea\n"
        + 'C6,1,2024-01-31,OF1,DC1,IM1,CN,847130,"12,5",1,sea\n',
    )
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.accepted, result.quarantined) == (4, 2)
    got = {r["declaration_id"]: r for r in rows(duckdb_warehouse, "declarations")}
    assert set(got) == {"C1", "C2", "C3", "C4"}  # spaces around an id are not part of it
    c1, c2, c3, c4 = (got[k] for k in ("C1", "C2", "C3", "C4"))
    assert c1["office_id"] == "OF1"  # no-break spaces trimmed too
    assert (c1["country_of_origin"], c2["country_of_origin"]) == ("DE", "CI")
    assert (c1["hs_code"], c2["hs_code"]) == ("84713000", "847130")
    assert (c1["customs_value"], c2["customs_value"]) == (pytest.approx(1234.5), pytest.approx(1234.5))
    assert (c1["mode_of_transport"], c2["mode_of_transport"], c3["mode_of_transport"]) == (
        "sea",
        "air",
        "inland_water",
    )
    assert [str(r["lodged_at"]) for r in (c1, c2, c3, c4)] == [
        "2024-01-31 10:30:00",
        "2024-01-31 00:00:00",
        "2024-01-31 00:00:00",
        "2024-01-31 08:00:00",
    ]
    q = {r["row_no"]: r["reasons"] for r in rows(duckdb_warehouse, "quarantine")}
    assert "malformed HS code" in q[5]
    assert "not a number: '12,5'" in q[6]  # a decimal comma in a file that uses the point


def test_bad_rows_go_to_quarantine_with_file_row_field_and_reason(duckdb_warehouse, tmp_path):
    f = write(
        tmp_path / "bad.csv",
        HEADER
        + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,ok\n"  # row 1 accepted
        + "D2,1,2024-01-05,OF1,DC1,IM1,CN,847130,abc,10,text in number\n"  # row 2
        + "D3,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,-3,negative mass\n"  # row 3
        + "D4,1,2024-01-05,OF1,DC1,IM1,Narnia,847130,100,3,unknown country\n"  # row 4
        + "D5,1,2024-01-05,OF1,DC1,IM1,CN,84A1,100,3,malformed code\n"  # row 5
        + "D6,1,,OF1,DC1,IM1,CN,847130,100,3,missing date\n"  # row 6
        + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,duplicate of row 1\n"  # row 7
        + "D8,1\n"  # row 8: ragged
        + "D9,1,2024-13-45,OF1,DC1,IM1,CN,847130,100,3,bad date\n"  # row 9
        + "D10,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,3,ok again\n",  # row 10 accepted
    )
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert result.rows_in == 10
    assert result.accepted == 2
    assert result.quarantined == 8
    assert result.rows_in == result.accepted + result.quarantined
    q = {r["row_no"]: r for r in rows(duckdb_warehouse, "quarantine")}
    assert sorted(q) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert all(r["source"] == str(f) for r in q.values())
    assert q[2]["fields"] == "customs_value" and "not a number: 'abc'" in q[2]["reasons"]
    assert q[3]["fields"] == "net_mass_kg" and "negative" in q[3]["reasons"]
    assert q[4]["fields"] == "country_of_origin" and "unknown country: 'Narnia'" in q[4]["reasons"]
    assert q[5]["fields"] == "hs_code" and "malformed HS code" in q[5]["reasons"]
    assert q[6]["fields"] == "lodged_at" and "missing (required)" in q[6]["reasons"]
    assert "duplicate key in the file (first at row 1)" in q[7]["reasons"]
    assert "2 fields, the header has 11" in q[8]["reasons"]
    assert "not a date" in q[9]["reasons"] and "2024-13-45" in q[9]["reasons"]
    assert json.loads(q[2]["raw"])["customs_value"] == "abc"  # raw values, as read
    assert json.loads(q[7]["raw"])["goods_description"] == "duplicate of row 1"
    assert json.loads(q[8]["raw"]) == {"line": "D8,1"}
    accepted = {r["declaration_id"] for r in rows(duckdb_warehouse, "declarations")}
    assert accepted == {"D1", "D10"}


def test_row_numbers_stay_right_after_a_ragged_line(duckdb_warehouse, tmp_path):
    f = write(
        tmp_path / "r.csv",
        HEADER
        + "D1,1\n"  # row 1 ragged
        + "D2,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,ok\n"
        + "D3,1,2024-01-05,OF1,DC1,IM1,CN,847130,oops,10,bad value\n",  # row 3
    )
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert (result.accepted, result.quarantined) == (1, 2)
    q = {r["row_no"]: r["reasons"] for r in rows(duckdb_warehouse, "quarantine")}
    assert set(q) == {1, 3}
    assert "oops" in q[3]


def test_warnings_keep_the_row_and_flag_it(duckdb_warehouse, tmp_path):
    lines = [HEADER.strip()]
    lines.append("W1,1,2024-01-05,OF1,DC1,IM1,CN,847199,100,10,not in HS 2022")
    lines.append("W2,1,2024-01-05,OF1,DC1,IM1,CN,847130,0,10,zero value")
    lines.append("W3,1,2024-01-05,OF1,DC1,IM1,CN,10121,10,1,lost leading zero")
    for i in range(30):  # a reference population for 8471.30 at 10 per kg
        lines.append(f"R{i},1,2024-01-05,OF1,DC1,IM1,CN,847130,{100 + i},10,laptop")
    lines.append("X1,1,2024-01-05,OF1,DC1,IM1,CN,847130,1,100,priced far below")
    f = write(tmp_path / "w.csv", "\n".join(lines) + "\n")
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert result.quarantined == 0 and result.accepted == 34
    assert result.warnings == 4
    flags = {r["declaration_id"]: r["quality_flags"] for r in rows(duckdb_warehouse, "declarations")}
    assert flags["W1"] == "hs_code:not_in_hs2022"
    assert flags["W2"] == "customs_value:zero"
    assert flags["W3"] == "hs_code:hs_zero_padded"
    assert flags["X1"] == "customs_value:extreme_unit_value"
    assert flags["R0"] is None


def test_same_file_twice_is_a_no_op(duckdb_warehouse, tmp_path):
    f = write(tmp_path / "d.csv", HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\n")
    first = ingest_file(duckdb_warehouse, "declarations", f)
    again = ingest_file(duckdb_warehouse, "declarations", f)
    assert again.skipped and again.batch == first.batch
    assert len(rows(duckdb_warehouse, "declarations")) == 1
    assert len(rows(duckdb_warehouse, "ingest_batches")) == 1


def test_duplicate_against_the_warehouse_is_quarantined(duckdb_warehouse, tmp_path):
    a = write(tmp_path / "a.csv", HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\n")
    b = write(
        tmp_path / "b.csv",
        HEADER
        + "D1,1,2024-02-05,OF1,DC1,IM1,CN,847130,200,10,again\nD2,1,2024-02-05,OF1,DC1,IM1,CN,847130,200,10,new\n"
        + "D1,1,2024-02-06,OF1,DC1,IM1,CN,847130,300,10,and again\n",
    )
    first = ingest_file(duckdb_warehouse, "declarations", a)
    second = ingest_file(duckdb_warehouse, "declarations", b)
    assert (second.accepted, second.quarantined) == (1, 2)
    q = rows(duckdb_warehouse, "quarantine")
    assert q[0]["row_no"] == 1 and q[0]["reasons"] == (
        f"declaration_id, item_no: already in the warehouse (batch {first.batch})"
    )
    # Both reasons, in the order of the checks, with the raw values of the row as read.
    assert q[1]["row_no"] == 3 and q[1]["reasons"] == (
        "declaration_id, item_no: duplicate key in the file (first at row 1); "
        f"declaration_id, item_no: already in the warehouse (batch {first.batch})"
    )
    assert json.loads(q[1]["raw"])["goods_description"] == "and again"


def test_inspection_of_an_unknown_declaration_is_quarantined(duckdb_warehouse, tmp_path):
    ingest_file(
        duckdb_warehouse,
        "declarations",
        write(tmp_path / "d.csv", HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\n"),
    )
    f = write(
        tmp_path / "i.csv",
        "declaration_id,item_no,result,additional_revenue,lane\nD1,1,fraud,50,red\nD9,1,compliant,,red\nD1,1,weird,,red\n",
    )
    result = ingest_file(duckdb_warehouse, "inspections", f)
    assert (result.rows_in, result.accepted, result.quarantined) == (3, 1, 2)
    q = {r["row_no"]: r["reasons"] for r in rows(duckdb_warehouse, "quarantine")}
    assert "refers to nothing in declarations (D9/1)" in q[2]
    assert "not one of compliant, fraud, critical: 'weird'" in q[3]


def test_mapping_file_from_the_documentation(duckdb_warehouse, tmp_path):
    mapping = write(
        tmp_path / "map.yaml",
        """
table: declarations
source: {format: csv, delimiter: ";", encoding: utf-8, decimal: ","}
fields:
  declaration_id: Declaration ID
  lodged_at: {column: Date, format: "%Y-%m-%d"}
  office_id: {value: HQ}
  declarant_id: Declarant
  importer_id: Importer
  country_of_origin: Origin
  hs_code: HS6 Code
  customs_value: Item Price
  fraud: {column: Fraud, map: {1: true, 0: false}}
  critical_fraud: {column: Critical Fraud, map: {2: true, 1: false, 0: false}}
  item_no: {value: 1}
  duty_tax_amount: {expr: '"Item Price" * "Tax Rate" / 100'}
""",
    )
    f = write(
        tmp_path / "src.csv",
        "Declaration ID;Date;Declarant;Importer;Origin;HS6 Code;Item Price;Tax Rate;Fraud;Critical Fraud;Notes\n"
        "A1;2024-03-01;DC1;IM1;CN;847130;1.000,50;10;1;2;x\n"
        "A2;2024-03-02;DC1;IM2;VN;610910;200;20;0;0;y\n"
        "A3;2024-03-03;DC1;IM2;VN;610910;300;20;;;not inspected\n"
        "A4;2024-03-04;DC1;IM2;VN;610910;300;20;7;0;bad label\n",
    )
    result = ingest_file(duckdb_warehouse, "declarations", f, mapping)
    assert (result.accepted, result.quarantined, result.inspections) == (3, 1, 2)
    assert any("ignored: Notes" in n for n in result.notes)
    got = {r["declaration_id"]: r for r in rows(duckdb_warehouse, "declarations")}
    assert got["A1"]["customs_value"] == pytest.approx(1000.5)
    assert got["A1"]["duty_tax_amount"] == pytest.approx(100.05)
    assert got["A1"]["office_id"] == "HQ" and got["A1"]["item_no"] == 1
    labels = {r["declaration_id"]: r["result"] for r in rows(duckdb_warehouse, "inspections")}
    assert labels == {"A1": "critical", "A2": "compliant"}
    q = rows(duckdb_warehouse, "quarantine")
    assert (
        q[0]["row_no"] == 4
        and "fraud (column 'Fraud'): value not in the mapping's map: '7'" in q[0]["reasons"]
    )


def test_mapping_naming_a_missing_column_is_refused_before_writing(duckdb_warehouse, tmp_path):
    mapping = write(tmp_path / "m.yaml", "table: declarations\nfields:\n  customs_value: Item Value\n")
    f = write(tmp_path / "d.csv", HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\n")
    with pytest.raises(MappingError, match="names column 'Item Value' for field 'customs_value'"):
        ingest_file(duckdb_warehouse, "declarations", f, mapping)
    assert rows(duckdb_warehouse, "declarations") == [] and rows(duckdb_warehouse, "ingest_batches") == []


def test_missing_required_column_is_refused(duckdb_warehouse, tmp_path):
    f = write(tmp_path / "d.csv", "declaration_id,item_no\nD1,1\n")
    with pytest.raises(MappingError, match="required field"):
        ingest_file(duckdb_warehouse, "declarations", f)


def test_empty_and_header_only_files_are_refused(duckdb_warehouse, tmp_path):
    with pytest.raises(FileRefused, match="empty"):
        ingest_file(duckdb_warehouse, "declarations", write(tmp_path / "e.csv", ""))
    with pytest.raises(FileRefused, match="no data rows"):
        ingest_file(duckdb_warehouse, "declarations", write(tmp_path / "h.csv", HEADER))
    assert rows(duckdb_warehouse, "ingest_batches") == []


def test_latin1_file_with_bom_less_accents(duckdb_warehouse, tmp_path):
    f = write(
        tmp_path / "l.csv",
        HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,Côte d'Ivoire,180100,100,10,fèves de cacao\n",
        "latin-1",
    )
    result = ingest_file(duckdb_warehouse, "declarations", f)
    assert result.accepted == 1 and any("Latin-1" in n for n in result.notes)
    row = rows(duckdb_warehouse, "declarations")[0]
    assert row["country_of_origin"] == "CI" and row["goods_description"] == "fèves de cacao"


def test_utf8_bom_gzip_parquet_and_json_lines(duckdb_warehouse, tmp_path):
    gz = tmp_path / "d.csv.gz"
    with gzip.open(gz, "wb") as fh:
        fh.write(("\ufeff" + HEADER + "G1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\n").encode())
    assert ingest_file(duckdb_warehouse, "declarations", gz).accepted == 1
    assert "G1" in {r["declaration_id"] for r in rows(duckdb_warehouse, "declarations")}

    table = pa.table(
        {
            "declaration_id": ["P1", "P2"],
            "item_no": [1, 1],
            "lodged_at": pa.array([1704450600000000, 1704450600000000], pa.timestamp("us")),
            "office_id": ["OF1", "OF1"],
            "declarant_id": ["DC1", "DC1"],
            "importer_id": ["IM1", "IM1"],
            "country_of_origin": ["CN", "ZZ"],
            "hs_code": ["847130", "847130"],
            "customs_value": [100.0, 5.0],
        }
    )
    pq.write_table(table, tmp_path / "d.parquet")
    res = ingest_file(duckdb_warehouse, "declarations", tmp_path / "d.parquet")
    assert (res.accepted, res.quarantined) == (1, 1)

    jl = write(
        tmp_path / "d.jsonl",
        '{"declaration_id": "J1", "item_no": 1, "lodged_at": "2024-01-05", "office_id": "OF1", "declarant_id": "DC1", "importer_id": "IM1", "country_of_origin": "CN", "hs_code": "847130", "customs_value": 10}\n'
        '{"declaration_id": "J2", "item_no": \n'
        '{"declaration_id": "J3", "item_no": 1, "lodged_at": "2024-01-05", "office_id": "OF1", "declarant_id": "DC1", "importer_id": "IM1", "country_of_origin": "CN", "hs_code": "847130", "customs_value": -1}\n',
    )
    res = ingest_file(duckdb_warehouse, "declarations", jl)
    assert (res.rows_in, res.accepted, res.quarantined) == (3, 1, 2)
    q = {r["row_no"]: r["reasons"] for r in rows(duckdb_warehouse, "quarantine") if r["source"] == str(jl)}
    assert q[2] == "not a JSON object" and "negative" in q[3]


def test_a_crash_mid_batch_leaves_nothing(duckdb_warehouse, tmp_path, monkeypatch):
    f = write(
        tmp_path / "d.csv",
        HEADER
        + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\nD2,1,2024-01-05,OF1,DC1,IM1,XX,847130,100,10,x\n",
    )
    real = load._append_row

    def crash_on_batch_record(stage, name, row):
        if name == "ingest_batches":
            raise OSError("disk full")
        real(stage, name, row)

    monkeypatch.setattr(load, "_append_row", crash_on_batch_record)
    with pytest.raises(OSError):
        ingest_file(duckdb_warehouse, "declarations", f)
    for table in ("declarations", "quarantine", "ingest_batches"):
        assert rows(duckdb_warehouse, table) == []
    monkeypatch.setattr(load, "_append_row", real)
    assert ingest_file(duckdb_warehouse, "declarations", f).accepted == 1  # and the retry works


def test_every_data_table_loads(duckdb_warehouse, tmp_path):
    ingest_file(
        duckdb_warehouse,
        "declarations",
        write(tmp_path / "d.csv", HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,x\n"),
    )
    files = {
        "events": "declaration_id,event,at,office_id\nD1,arrival,2024-01-04 08:00,OF1\nD1,release,2024-01-05 12:00,OF1\n",
        "trade_flows": "reporter,partner,flow,hs_code,period,value_usd\nChina,GH,Export,847130,2024,1000\nGH,CN,1,84,2024-03,900\n",
        "seizures": "seizure_id,seized_on,office_id,hs_code,quantity\nS1,2024-02-01,OF1,2402,100\n",
        "parties": "party_id,role,name,country,aeo_status\nIM1,importer,Acme,GH,yes\nDC1,declarant,Broker Ltd,GH,no\n",
    }
    for table, text in files.items():
        res = ingest_file(duckdb_warehouse, table, write(tmp_path / f"{table}.csv", text))
        assert res.quarantined == 0, rows(duckdb_warehouse, "quarantine")
    flows = sorted(
        (r["reporter"], r["flow"], r["hs_code"], r["period"]) for r in rows(duckdb_warehouse, "trade_flows")
    )
    assert flows == [("CN", "X", "847130", "2024"), ("GH", "M", "84", "202403")]
    assert {r["aeo_status"] for r in rows(duckdb_warehouse, "parties")} == {True, False}


def test_ingest_into_spark_matches_duckdb(spark_warehouse, duckdb_warehouse, tmp_path):
    text = (
        HEADER
        + "D1,1,2024-01-05 10:30:00,OF1,DC1,IM1,China,8471.30,100,10,x\n"
        + "D2,1,2024-01-05,OF1,DC1,IM1,Narnia,847130,100,10,y\n"
        + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10,dup\n"
    )
    f = write(tmp_path / "d.csv", text)
    on_duck = ingest_file(duckdb_warehouse, "declarations", f)
    on_spark = ingest_file(spark_warehouse, "declarations", f)
    assert on_spark.summary() == on_duck.summary()
    cols = [
        "declaration_id",
        "item_no",
        "country_of_origin",
        "hs_code",
        "customs_value",
        "seller_id",
        "quality_flags",
    ]
    duck_rows = duckdb_warehouse.table("declarations").select(cols).to_pyarrow().to_pylist()
    spark_rows = spark_warehouse.table("declarations").select(cols).to_pyarrow().to_pylist()
    assert spark_rows == duck_rows
    q = spark_warehouse.table("quarantine").order_by("row_no").to_pyarrow().to_pylist()
    assert [r["row_no"] for r in q] == [2, 3]
    assert ingest_file(spark_warehouse, "declarations", f).skipped


def test_country_names_in_other_languages(duckdb_warehouse, tmp_path):
    names = ["Deutschland", "Allemagne", "Китай", "中国", "Türkiye", "Estados Unidos", "ZZ"]
    lines = [f"N{i},1,2024-01-05,OF1,DC1,IM1,{n},847130,100,10,x" for i, n in enumerate(names)]
    result = ingest_file(
        duckdb_warehouse, "declarations", write(tmp_path / "n.csv", HEADER + "\n".join(lines) + "\n")
    )
    assert (result.accepted, result.quarantined) == (6, 1)
    got = {r["declaration_id"]: r["country_of_origin"] for r in rows(duckdb_warehouse, "declarations")}
    assert got == {"N0": "DE", "N1": "DE", "N2": "CN", "N3": "CN", "N4": "TR", "N5": "US"}
