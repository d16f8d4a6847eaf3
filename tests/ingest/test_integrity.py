"""Ingestion loses nothing: every record of a file is accepted or quarantined, as counted by
something other than the reader that loads it (here, Python's csv module), and every accepted row
holds the file's own values. Hostile files are refused in one line, never half read."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.warehouse import connect
from clearsight.ingest import load, readers
from clearsight.ingest.count import CsvRecordCounter
from clearsight.ingest.load import ingest_file
from clearsight.ingest.readers import MAX_COLUMNS, FileRefused

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
    "goods_description",
]
GOOD = ["1", "2024-01-05", "OF1", "DC1", "IM1", "CN", "847130", "100", "10"]
#: Characters that make CSV hard: quotes, every delimiter, line ends, tabs, non-ASCII. (Not a lone
#: CR: the csv module writes it unquoted when lines end in LF, a file DuckDB refuses, see below.)
MESSY = [*"ab ,;|\t\"'\n", "\r\n", "é", "ß", "中", "€", "\u00a0"]


def python_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    """The file's records as Python's csv module reads them (empty lines hold none), header first."""
    with path.open(encoding=encoding, newline="") as fh:
        return [row for row in csv.reader(fh, delimiter=delimiter) if row]


def stored(wh, table: str) -> list[dict]:
    return wh.table(table).to_pyarrow().to_pylist()


def check_nothing_lost(wh, result, path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    """accepted + quarantined equals the csv module's count, and each accepted row's text fields
    are the file's, byte for byte. Returns the data records."""
    header, *records = python_rows(path, encoding, delimiter)
    assert result.rows_in == len(records)
    assert result.accepted + result.quarantined == len(records)
    at = {
        name: header.index(name) for name in ("declaration_id", "item_no", "importer_id", "goods_description")
    }
    source = {(r[at["declaration_id"]], r[at["item_no"]]): r for r in records if len(r) == len(header)}
    rows = [r for r in stored(wh, "declarations") if r["batch_id"] == result.batch]
    assert len(rows) == result.accepted
    for row in rows:
        line = source[(row["declaration_id"], str(row["item_no"]))]
        # the quality gate trims the spaces around a value, nothing else
        assert row["goods_description"] == line[at["goods_description"]].strip(" ")
        assert row["importer_id"] == line[at["importer_id"]].strip(" ")
    return records


@pytest.fixture
def small_buffers(monkeypatch):
    """DuckDB reads in 20 kB buffers: a file of a few hundred rows crosses many boundaries."""
    monkeypatch.setattr(readers, "CSV_BUFFER_SIZE", 20_000)


description = st.lists(st.sampled_from(MESSY), max_size=30).map(lambda parts: "g" + "".join(parts) + "g")


@st.composite
def messy_files(draw):
    """Rows with messy descriptions, in any delimiter, encoding, line end and quoting; some rows
    with a field too many or too few, some with an unquoted inch mark (``2" pipe``)."""
    n = draw(st.integers(1, 300))
    kinds = draw(st.lists(st.sampled_from(["good"] * 8 + ["short", "long", "inch"]), min_size=n, max_size=n))
    descriptions = draw(st.lists(description, min_size=n, max_size=n))
    padding = draw(st.integers(0, 200))  # longer rows: fewer per buffer
    return {
        "kinds": kinds,
        "descriptions": descriptions,
        "padding": padding,
        "delimiter": draw(st.sampled_from([",", ";", "\t", "|"])),
        "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    }


def write_messy(path: Path, spec: dict) -> int:
    """Write the file; returns how many rows are well formed."""
    d, nl = spec["delimiter"], spec["newline"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=d, lineterminator=nl, quoting=spec["quoting"])
    writer.writerow(COLUMNS)
    good = 0
    for i, (kind, text) in enumerate(zip(spec["kinds"], spec["descriptions"], strict=True)):
        if spec["encoding"] == "latin-1":
            text = text.encode("latin-1", "replace").decode("latin-1")
        text = "p" * spec["padding"] + text
        row = [f"D{i}", *GOOD[:4], f"IM{i}", *GOOD[5:], text]
        if kind == "short":
            writer.writerow(row[:3])
        elif kind == "long":
            writer.writerow([*row, "extra"])
        elif kind == "inch":  # a quote inside an unquoted field: read as text by DuckDB and csv
            out.write(d.join([*row[:-1], f'PIPE {i}" STEEL']) + nl)
            good += 1
        else:
            writer.writerow(row)
            good += 1
    path.write_bytes(out.getvalue().encode(spec["encoding"]))
    return good


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=messy_files())
def test_messy_csv_loses_nothing(small_buffers, spec):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "messy.csv"
        good = write_messy(path, spec)
        wh = connect(f"duckdb://{Path(tmp) / 'w.duckdb'}")
        try:
            result = ingest_file(wh, "declarations", path)
            encoding = "utf-16" if spec["encoding"] == "utf-16" else spec["encoding"]
            records = check_nothing_lost(wh, result, path, encoding, spec["delimiter"])
            assert result.accepted == good  # every well-formed row, and only those
            assert result.quarantined == len(records) - good
            if spec["encoding"] == "latin-1" and any(
                ord(c) > 127 for text in spec["descriptions"] for c in text
            ):
                assert any("Latin-1" in note for note in result.notes)
        finally:
            wh.close()


@pytest.fixture(scope="module")
def synthetic_declarations(tmp_path_factory) -> Path:
    """4,000 synthetic declaration items, as `clearsight synth` writes them."""
    from clearsight.synth import generate_world, write_world

    folder = tmp_path_factory.mktemp("world")
    write_world(generate_world(4000, 42), folder, "csv")
    return folder / "declarations.csv"


def test_rows_at_reader_buffer_boundaries_are_all_read(
    duckdb_warehouse, small_buffers, synthetic_declarations
):
    """The lenient parallel reader dropped the first whole line after some buffer boundaries of
    this file (4 of 4,000 rows at 20 kB buffers; 3 of 1M at DuckDB's default 8 MB)."""
    result = ingest_file(duckdb_warehouse, "declarations", synthetic_declarations)
    assert (result.rows_in, result.accepted + result.quarantined) == (4000, 4000)
    check_nothing_lost(duckdb_warehouse, result, synthetic_declarations, "utf-8", ",")


def test_a_reader_that_loses_rows_gets_the_file_refused_naming_both_counts(
    duckdb_warehouse, small_buffers, synthetic_declarations, monkeypatch
):
    """With the lenient reader clearsight used before (it loses rows at buffer boundaries), the
    independent count refuses the file: one line, both counts, nothing written."""
    strict_view = readers.create_source_view

    def lenient_view(con, src, view, parallel=True):
        rejects = strict_view(con, src, view, parallel)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_csv('{src.path}', header=true, "
            "all_varchar=true, quote='\"', escape='\"', strict_mode=false, null_padding=false, "
            "store_rejects=true, rejects_table='_cs_reject_errors', rejects_scan='_cs_reject_scans', "
            "buffer_size=20000)"
        )
        return rejects

    monkeypatch.setattr(load, "create_source_view", lenient_view)
    with pytest.raises(FileRefused) as refused:
        ingest_file(duckdb_warehouse, "declarations", synthetic_declarations)
    message = str(refused.value)
    assert message.startswith(f"{synthetic_declarations}: 4,000 rows in the file")
    assert "the reader returned 3,99" in message and "nothing was written" in message
    assert "\n" not in message
    for table in ("declarations", "quarantine", "ingest_batches"):
        assert stored(duckdb_warehouse, table) == []


def test_a_row_made_up_by_the_parallel_reader_is_caught_and_the_file_read_on_one_thread(
    duckdb_warehouse, small_buffers
):
    """In this file (written by ``write_messy``) a 20 kB buffer boundary falls inside a quoted
    description holding a line break, after an unquoted inch mark: DuckDB's strict parallel reader
    took the end of the field for a line and refused it as a row of its own. The count catches the
    extra row; the file is read again on one thread, and loads whole."""
    path = Path(__file__).parent / "data" / "quoted-newline-after-a-buffer-boundary.csv"
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS)
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true, auto_detect=false, "
        f"columns={{{columns}}}, strict_mode=true, store_rejects=true, buffer_size=20000, max_line_size=10000)"
    )
    parallel = con.execute("SELECT count(*) FROM t").fetchone()[0]
    parallel += con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()[0]
    records = python_rows(path, "utf-8", ",")[1:]
    result = ingest_file(duckdb_warehouse, "declarations", path)
    check_nothing_lost(duckdb_warehouse, result, path, "utf-8", ",")
    assert (result.rows_in, result.accepted) == (len(records), 129)
    if parallel != len(records):  # the reader's quirk, as long as this DuckDB has it
        assert any("read again on one thread" in note for note in result.notes)


def test_a_file_over_8_mb_loses_nothing_at_default_buffers(duckdb_warehouse, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(60_000):
            text = f'item {i}, "quoted"\nsecond line' if i % 7 == 0 else f"plain item {i}" + " pad" * 20
            writer.writerow([f"D{i}", *GOOD[:4], f"IM{i}", *GOOD[5:], text])
    assert path.stat().st_size > 8_000_000
    result = ingest_file(duckdb_warehouse, "declarations", path)
    assert (result.accepted, result.quarantined) == (60_000, 0)
    check_nothing_lost(duckdb_warehouse, result, path, "utf-8", ",")


def test_the_counter_agrees_with_the_csv_module_at_any_chunk_size():
    text = 'a,b\r\n"x\r\ny",1\r\n\r\n"say ""hi""",2\r\n"",""\r\nlast,4'
    expected = len([r for r in csv.reader(io.StringIO(text, newline="")) if r])
    for size in (1, 2, 3, 5, 64):
        counter = CsvRecordCounter(",")
        for start in range(0, len(text), size):
            counter.feed(text.encode()[start : start + size])
        assert counter.result() == expected and counter.valid
    # a quote inside an unquoted field (an inch mark): parity cannot read it, the csv module counts
    counter = CsvRecordCounter(",")
    counter.feed(text.replace("last", '2" pipe').encode())
    counter.result()
    assert not counter.valid


def test_a_lone_carriage_return_in_an_unquoted_field_refuses_the_file(duckdb_warehouse, tmp_path):
    """A CR alone ends a record for the csv module, not for DuckDB's strict reader, which stops:
    the file is refused in one line, not half read."""
    path = tmp_path / "cr.csv"
    path.write_bytes(
        (",".join(COLUMNS) + "\n" + ",".join(["D1", *GOOD, "one\rtwo"]) + "\n").encode()
        + (",".join(["D2", *GOOD, "fine"]) + "\n").encode()
    )
    with pytest.raises(FileRefused) as refused:
        ingest_file(duckdb_warehouse, "declarations", path)
    message = str(refused.value)
    assert str(path) in message and "\n" not in message and "internal error" not in message
    assert "nothing was written" in message
    for table in ("declarations", "quarantine", "ingest_batches"):
        assert stored(duckdb_warehouse, table) == []


def test_wide_files_are_refused_naming_the_width_and_the_limit(duckdb_warehouse, tmp_path):
    for columns, rows in ((10_000, 1), (4_000, 50)):
        path = tmp_path / f"wide{columns}.csv"
        header = COLUMNS + [f"extra{i}" for i in range(columns - len(COLUMNS))]
        body = ",".join(["D1", *GOOD, "x"] + ["0"] * (columns - len(COLUMNS)))
        path.write_text(",".join(header) + "\n" + (body + "\n") * rows)
        with pytest.raises(FileRefused) as refused:
            ingest_file(duckdb_warehouse, "declarations", path)
        message = str(refused.value)
        assert f"{columns:,} columns" in message and f"{MAX_COLUMNS:,}" in message
        assert "columns the mapping needs" in message
    # at the limit, the file loads: the mapped columns are read, the others ignored with a note
    path = tmp_path / "at-limit.csv"
    extra = MAX_COLUMNS - len(COLUMNS)
    header = COLUMNS + [f"extra{i}" for i in range(extra)]
    path.write_text(
        ",".join(header)
        + "\n"
        + "".join(",".join([f"D{i}", *GOOD, "x"] + ["0"] * extra) + "\n" for i in range(200))
    )
    result = ingest_file(duckdb_warehouse, "declarations", path)
    assert (result.accepted, result.quarantined) == (200, 0)


def test_utf16_with_a_byte_order_mark_is_read_and_the_note_says_so(duckdb_warehouse, tmp_path):
    path = tmp_path / "utf16.csv"
    text = ",".join(COLUMNS) + "\r\n" + ",".join(["U1", *GOOD, "café 中"]) + "\r\n"
    path.write_bytes(text.encode("utf-16"))  # little-endian, with its byte order mark
    result = ingest_file(duckdb_warehouse, "declarations", path)
    assert (result.rows_in, result.accepted) == (1, 1)
    assert any("read as UTF-16" in n for n in result.notes)
    assert not any("Latin-1" in n for n in result.notes)
    assert stored(duckdb_warehouse, "declarations")[0]["goods_description"] == "café 中"
    big = tmp_path / "big-endian.csv"  # DuckDB reads UTF-16 little-endian only: refused, not garbled
    big.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    with pytest.raises(FileRefused, match="UTF-16 big-endian"):
        ingest_file(duckdb_warehouse, "declarations", big)


def test_hostile_files_are_refused_in_one_line(duckdb_warehouse, tmp_path):
    header = ",".join(COLUMNS) + "\n"
    line = tmp_path / "one-line.csv"  # a single 200 MB line: refused after its first 2 MB
    with line.open("wb") as fh:
        fh.write(header.encode())
        chunk = b"x" * (1 << 20)
        for _ in range(200):
            fh.write(chunk)
    no_bom = tmp_path / "utf16-no-bom.csv"
    no_bom.write_bytes((header + ",".join(["D1", *GOOD, "x"]) + "\n").encode("utf-16-le"))
    binary = tmp_path / "random.csv"
    binary.write_bytes(bytes(range(256)) * 64)
    workbook = tmp_path / "export.csv"
    workbook.write_bytes(b"PK\x03\x04" + bytes(200))
    cases = {
        line: "row 1 is more than",
        no_bom: "UTF-16 without a byte order mark",
        binary: "binary data",
        workbook: "zip archive",
    }
    for path, why in cases.items():
        with pytest.raises(FileRefused) as refused:
            ingest_file(duckdb_warehouse, "declarations", path)
        assert why in str(refused.value) and str(path) in str(refused.value)
    line.unlink()
    for table in ("declarations", "quarantine", "ingest_batches"):
        assert stored(duckdb_warehouse, table) == []
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path / "home"), "ingest", "declarations", str(binary), str(no_bom)]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 4  # one line per file (wrapped at most once)


def test_json_lines_and_parquet_are_counted_apart_from_the_reader(duckdb_warehouse, tmp_path):
    good = dict(zip(COLUMNS[1:-1], GOOD, strict=True))
    path = tmp_path / "d.jsonl"
    lines = [json.dumps({"declaration_id": f"J{i}", **good}) for i in range(5)]
    path.write_text("\n".join(lines[:2]) + "\n\n   \n" + "\n".join(lines[2:]) + "\n[1, 2]\n")
    result = ingest_file(duckdb_warehouse, "declarations", path)
    assert (result.rows_in, result.accepted, result.quarantined) == (6, 5, 1)

    table = pa.table(
        {"declaration_id": [f"P{i}" for i in range(300)], **{k: [v] * 300 for k, v in good.items()}}
    )
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=64)
    result = ingest_file(duckdb_warehouse, "declarations", tmp_path / "d.parquet")
    assert (result.rows_in, result.accepted) == (
        pq.ParquetFile(tmp_path / "d.parquet").metadata.num_rows,
        300,
    )


KILLED_CHILD = """
import sys, time
from pathlib import Path
from clearsight.ingest import load
from clearsight.core.warehouse import connect

real = load._append_row
def hold_before_the_batch_record(stage, name, row):
    if name == "ingest_batches":  # every row of the batch is written, not committed
        Path(sys.argv[3]).write_text("ready")
        time.sleep(60)
    real(stage, name, row)
load._append_row = hold_before_the_batch_record
load.ingest_file(connect("duckdb://" + sys.argv[1]), "declarations", Path(sys.argv[2]))
"""


def test_kill_9_during_an_ingest_leaves_no_batch_and_no_rows(tmp_path):
    path = tmp_path / "d.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(5000):
            writer.writerow([f"D{i}", *GOOD[:4], f"IM{i}", *GOOD[5:], "x" if i % 10 else "-"])
            if i % 100 == 0:
                writer.writerow([f"D{i}", "1"])  # quarantined: too few fields
    warehouse, ready = tmp_path / "w.duckdb", tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(warehouse), str(path), str(ready)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the ingest never reached its batch record"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    wh = connect(f"duckdb://{warehouse}")
    try:
        for table in ("declarations", "quarantine", "ingest_batches", "inspections"):
            assert stored(wh, table) == []
        result = ingest_file(wh, "declarations", path)  # and the file loads again, whole
        assert (result.rows_in, result.accepted, result.quarantined) == (5050, 5000, 50)
    finally:
        wh.close()
