"""Readers: look at a file once (hash, encoding, layout), then expose it to DuckDB as text columns.

Every source column arrives as text, and every row gets its data row number (``_row``, 1 = first
row after the header), so that the quality gate sees exactly what the file says and can quote it
back. DuckDB streams the file: memory does not grow with its size.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from clearsight.console import UserError
from clearsight.ingest.mapping import SourceOptions

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t", "|")


class FileRefused(UserError):
    """A file that cannot be read at all; nothing of it is written."""


@dataclass
class SourceFile:
    path: Path
    format: str  # csv | parquet | jsonl
    compressed: bool
    sha256: str
    size: int
    encoding: str = "utf-8"
    delimiter: str = ","
    header: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass
class RejectedLine:
    """A line the CSV reader could not split into the header's columns."""

    row_no: int
    raw: str
    reason: str


def detect_format(path: Path, options: SourceOptions) -> tuple[str, bool]:
    name = path.name.lower()
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    if options.format:
        return options.format, compressed
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet", compressed
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl", compressed
    return "csv", compressed


def inspect_file(path: Path, options: SourceOptions) -> SourceFile:
    """Hash the file and, for text files, check the encoding and sniff the delimiter.

    An uncompressed file is read once for both the hash and the encoding."""
    if not path.exists():
        raise FileRefused(f"{path}: no such file")
    if path.is_dir():
        raise FileRefused(f"{path}: is a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"{path}: the file is empty")
    fmt, compressed = detect_format(path, options)
    digest = hashlib.sha256()
    check = _EncodingCheck() if fmt != "parquet" and not options.encoding and not compressed else None
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            if check is not None:
                check.feed(chunk)
    src = SourceFile(path=path, format=fmt, compressed=compressed, sha256=digest.hexdigest(), size=size)
    src.header = options.header
    if fmt == "parquet":
        return src
    src.encoding = options.encoding or (check.result() if check else _detect_encoding(path, compressed))
    if src.encoding != "utf-8" and not options.encoding:
        src.notes.append(f"{path}: not valid UTF-8, read as Latin-1")
    if fmt == "csv":
        src.delimiter = options.delimiter or _sniff_delimiter(path, compressed, src.encoding)
    return src


def _open_bytes(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else path.open("rb")


class _EncodingCheck:
    """Fed a file's bytes in order: UTF-8 when every byte decodes as UTF-8 (BOM allowed), UTF-16 by
    its byte order mark, else Latin-1 (which decodes anything)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._started = False
        self.encoding: str | None = None

    def feed(self, chunk: bytes) -> None:
        if self.encoding is not None:
            return
        if not self._started:
            self._started = True
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                self.encoding = "utf-16"
                return
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self.encoding = "latin-1"

    def result(self) -> str:
        if self.encoding is None:
            try:
                self._decoder.decode(b"", final=True)
                self.encoding = "utf-8"
            except UnicodeDecodeError:
                self.encoding = "latin-1"
        return self.encoding


def _detect_encoding(path: Path, compressed: bool) -> str:
    """The encoding of the file's (decompressed) bytes; see ``_EncodingCheck``."""
    check = _EncodingCheck()
    try:
        with _open_bytes(path, compressed) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                check.feed(chunk)
                if check.encoding is not None:
                    break
    except (OSError, EOFError) as exc:
        raise FileRefused(f"{path}: cannot be read ({exc})") from None
    return check.result()


def _sniff_delimiter(path: Path, compressed: bool, encoding: str) -> str:
    """The candidate that splits the header line into the most columns."""
    with _open_bytes(path, compressed) as fh:
        first = fh.readline(1 << 16).decode(encoding if encoding != "utf-8" else "utf-8-sig", "replace")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_value(value: object) -> str:
    """A Python value as an SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"  # also nan and inf
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return _quote(str(value))


def insert_values(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], columns: str = "") -> None:
    """Insert rows of Python values, as literals: DuckDB's parameter binding loads pandas (a
    noticeable part of a small file's ingestion), literals do not."""
    for start in range(0, len(rows), 1000):
        values = ", ".join(
            "(" + ", ".join(sql_value(v) for v in row) + ")" for row in rows[start : start + 1000]
        )
        con.execute(f"INSERT INTO {table} {columns} VALUES {values}")


def create_source_view(con: duckdb.DuckDBPyConnection, src: SourceFile, view: str) -> list[RejectedLine]:
    """Create temp view ``view``: every source column as text. Returns the lines refused so far.

    Parquet and JSON lines number their rows in a ``_row`` column. A CSV view reads the file
    itself, so the quality gate parses it as it is read (one parallel pass, no copy of the file);
    its rows are numbered afterwards, from the order they were stored in (``number_rows``), and the
    lines with too many or too few fields that the reader kept out are known once the view has been
    read (``reset_rejects`` before that read, ``read_rejects`` after it).
    """
    path = _quote(str(src.path))
    rejects: list[RejectedLine] = []
    if src.format == "parquet":
        try:
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()]
        except duckdb.Error as exc:
            raise FileRefused(f"{src.path}: not a readable Parquet file ({_first_line(exc)})") from None
        cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT file_row_number + 1 AS _row, {cols} "
            f"FROM read_parquet({path}, file_row_number = true)"
        )
        return rejects
    if src.format == "jsonl":
        return _create_jsonl_view(con, src, view)
    encoding = {"utf-8": "utf-8", "latin-1": "latin-1", "utf-16": "utf-16"}[src.encoding]
    options = (
        f"delim={_quote(src.delimiter)}, header={str(src.header).lower()}, all_varchar=true, "
        f"encoding={_quote(encoding)}, quote='\"', escape='\"', strict_mode=false, "
        "null_padding=false, store_rejects=true, rejects_table='_cs_reject_errors', "
        "rejects_scan='_cs_reject_scans', compression='auto'"
    )
    scan = f"read_csv({path}, {options})"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cs_probe AS SELECT * FROM {scan} LIMIT 0")
    except duckdb.Error as exc:
        raise FileRefused(f"{src.path}: cannot be read as CSV ({_first_line(exc)})") from None
    columns = [r[0] for r in con.execute("DESCRIBE _cs_probe").fetchall()]
    if len(columns) == 1 and src.header and src.delimiter not in columns[0] and columns[0].count(" ") > 3:
        src.notes.append(f"{src.path}: only one column found; is the delimiter {src.delimiter!r} right?")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {scan}")
    return rejects


def reset_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the lines refused by earlier reads (the probe, checks): the next read records its own."""
    con.execute("DROP TABLE IF EXISTS _cs_reject_errors")
    con.execute("DROP TABLE IF EXISTS _cs_reject_scans")


def number_rows(con: duckdb.DuckDBPyConnection, table: str, view: str, rejects: list[RejectedLine]) -> None:
    """Create temp view ``view`` over ``table`` (rows stored in the order they were read) with
    ``_seq``, the position among the rows read, and ``_row``, the data row number in the file.

    Rowids are contiguous in insertion order (possibly from an offset); were they ever not, rows
    are numbered by rowid order instead: slower, still right. Lines the reader refused are
    not in ``table`` but keep their numbers: the r-th row read is data row r + #{refused lines
    before it}.
    """
    low, high, count = con.execute(f"SELECT min(rowid), max(rowid), count(*) FROM {table}").fetchone()
    contiguous = count == 0 or high - low + 1 == count
    seq = f"s.rowid - {low or 0} + 1" if contiguous else "row_number() OVER (ORDER BY s.rowid)"
    shift = "0"
    if rejects:  # refused line i (0-based, in file order) sits before read row y_i + 1
        con.execute("CREATE OR REPLACE TEMP TABLE _cs_rejects (y BIGINT)")
        insert_values(con, "_cs_rejects", [(r.row_no - i - 1,) for i, r in enumerate(rejects)])
        shift = f"(SELECT count(*) FROM _cs_rejects WHERE y < {seq})"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {seq} AS _seq, {seq} + {shift} AS _row, * FROM {table} s"
    )


def read_rejects(con: duckdb.DuckDBPyConnection, src: SourceFile) -> list[RejectedLine]:
    """Lines the CSV reader refused during the last scan (too many or too few fields, bad quoting)."""
    if src.format != "csv":
        return []
    try:
        rows = con.execute(
            "SELECT line, any_value(csv_line), arg_min(error_type || ': ' || error_message, column_idx) "
            "FROM _cs_reject_errors GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error:
        return []
    offset = 1 if src.header else 0
    return [
        RejectedLine(row_no=int(line) - offset, raw=(raw or "").strip("\r\n"), reason=_reject_reason(msg))
        for line, raw, msg in rows
    ]


def _reject_reason(message: str) -> str:
    if "TOO MANY COLUMNS" in message or "MISSING COLUMNS" in message:
        found = message.rsplit("Found:", 1)[-1].strip().split()[0] if "Found:" in message else "?"
        expected = (
            message.split("Expected Number of Columns:", 1)[-1].split()[0] if "Expected" in message else "?"
        )
        return f"row has {found} fields, the header has {expected}"
    if "UNQUOTED" in message or "QUOTE" in message.upper():
        return "badly quoted field"
    if "INVALID UNICODE" in message.upper() or "INVALID_UNICODE" in message.upper():
        return "bytes that are not valid in the file's encoding"
    return message.split("\n")[0]


#: A line holds a JSON object (json_type alone would fail on malformed text: SQL does not short-circuit).
OBJECT = "coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false)"


def _create_jsonl_view(con: duckdb.DuckDBPyConnection, src: SourceFile, view: str) -> list[RejectedLine]:
    """JSON lines: each line read as text, so a malformed line is quarantined rather than fatal."""
    path = _quote(str(src.path))
    lines = (
        f"SELECT row_number() OVER () AS _row, line FROM read_csv({path}, columns={{'line': 'VARCHAR'}}, "
        f"header=false, delim='\\x1e', quote='', escape='', encoding={_quote(src.encoding)}, "
        "compression='auto', strict_mode=false)"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cs_lines AS {lines}")
    keys = [
        r[0]
        for r in con.execute(
            "SELECT k FROM (SELECT k, min(_row) AS first FROM (SELECT _row, unnest(json_keys(line)) AS k "
            f"FROM _cs_lines WHERE {OBJECT}) GROUP BY k) ORDER BY first, k"
        ).fetchall()
    ]
    if not keys:
        raise FileRefused(f"{src.path}: no JSON objects found (one object per line expected)")
    cols = ", ".join(f'json_extract_string(line, {_quote("$." + _json_key(k))}) AS "{k}"' for k in keys)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT _row, {cols} FROM _cs_lines WHERE {OBJECT}")
    bad = con.execute(
        f"SELECT _row, line FROM _cs_lines WHERE NOT {OBJECT} AND trim(line) <> '' ORDER BY _row"
    ).fetchall()
    return [RejectedLine(row_no=int(r), raw=line, reason="not a JSON object") for r, line in bad]


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
