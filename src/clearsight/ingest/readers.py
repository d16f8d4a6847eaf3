"""Readers: look at a file once (hash, encoding, layout), then expose it to DuckDB as text columns.

Every source column arrives as text, and every row gets its data row number (``_row``, 1 = first
row after the header), so that the quality gate sees exactly what the file says and can quote it
back. DuckDB streams the file: memory does not grow with its size.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from clearsight.core.errors import UserError
from clearsight.ingest.count import (
    MAX_RECORD_BYTES,
    CsvRecordCounter,
    LineCounter,
    RecordTooLong,
    count_csv_records,
    decoded_lines,
)
from clearsight.ingest.mapping import SourceOptions

CHUNK = 1 << 20
COUNT_CHUNK = 1 << 17  # the counter's working set stays in the CPU cache
DELIMITERS = (",", ";", "\t", "|")
#: More source columns than this is not an extract of declarations: the file is refused, not read.
MAX_COLUMNS = 1000
#: DuckDB's CSV buffer in bytes (None: DuckDB's default). Tests set it small, so that a small file
#: crosses many buffer boundaries, where the parallel reader has to find where a record starts.
CSV_BUFFER_SIZE: int | None = None
#: Bytes that text does not hold (control characters other than tab, line ends, form feed, escape).
BINARY_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32)])
#: The opening bytes of files that are not text, and what they are.
MAGIC = {
    b"PK\x03\x04": "a zip archive (an Excel workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel or Office document",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "gzip-compressed data (name it .gz)",
    b"PAR1": "a Parquet file (name it .parquet)",
}


def sniff_delimiter(header: str) -> str:
    """The candidate that splits a header line into the most columns (a comma when none does)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


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
    #: data rows in the file, counted without the reader that loads it (see ``count.py``)
    records: int | None = None


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
    """Hash the file, count its records and, for text files, check the encoding and sniff the
    delimiter. An uncompressed file is read once for all of it; a compressed one is hashed, then
    read decompressed once."""
    if not path.exists():
        raise FileRefused(f"{path}: no such file")
    if path.is_dir():
        raise FileRefused(f"{path}: is a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"{path}: the file is empty")
    fmt, compressed = detect_format(path, options)
    digest = hashlib.sha256()
    scan = _TextScan(path, fmt, options) if fmt != "parquet" else None
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
                if scan is not None and not compressed:
                    scan.feed(chunk)
        if scan is not None and compressed:
            with gzip.open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(CHUNK), b""):
                    scan.feed(chunk)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FileRefused(f"{path}: cannot be read ({exc})") from None
    except RecordTooLong as exc:
        raise FileRefused(_too_long(path, exc, options.header)) from None
    src = SourceFile(path=path, format=fmt, compressed=compressed, sha256=digest.hexdigest(), size=size)
    src.header = options.header
    if scan is None:
        src.records = _parquet_rows(path)
        return src
    scan.finish()
    src.encoding, src.delimiter = scan.encoding, scan.delimiter
    src.records = scan.records()
    if src.encoding == "latin-1" and not options.encoding:
        src.notes.append(f"{path}: not valid UTF-8, read as Latin-1")
    elif src.encoding == "utf-16":
        src.notes.append(f"{path}: read as UTF-16 (little-endian, from its byte order mark)")
    return src


def _too_long(path: Path, exc: RecordTooLong, header: bool) -> str:
    where = "the header line" if header and exc.record == 1 else f"row {exc.record - (1 if header else 0)}"
    return (
        f"{path}: {where} is more than {exc.length / 2**20:.1f} MB long; clearsight reads rows of at "
        f"most {MAX_RECORD_BYTES // 2**20} MB (is this really a CSV or JSON lines file?)"
    )


def _parquet_rows(path: Path) -> int:
    """The row count in the Parquet footer: the file's own count, not the scan's."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise FileRefused(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
    if meta.num_columns > MAX_COLUMNS:
        raise FileRefused(_too_wide(path, meta.num_columns))
    return meta.num_rows


def _too_wide(path: Path, columns: int) -> str:
    return (
        f"{path}: {columns:,} columns, more than the {MAX_COLUMNS:,} clearsight reads; keep only the "
        "columns the mapping needs (a canonical table has fewer than 40 fields)"
    )


class _TextScan:
    """Fed a text file's (decompressed) bytes in order: refuses binary data and UTF-16 without a
    byte order mark, settles the encoding and the delimiter from the first chunk and counts the
    records as they pass (``count.py``)."""

    def __init__(self, path: Path, fmt: str, options: SourceOptions) -> None:
        self.path, self.fmt, self.options = path, fmt, options
        self.encoding = options.encoding or "utf-8"
        self.delimiter = options.delimiter or ","
        self._check: _EncodingCheck | None = None
        self._counter: CsvRecordCounter | LineCounter | None = None
        self._decoder = None  # UTF-16 JSON lines are counted as UTF-8
        self._odd = b""  # an odd byte of a UTF-16 file, kept for the next chunk

    def feed(self, chunk: bytes) -> None:
        if self._counter is None:
            self._start(chunk)
        if self._check is not None:
            self._check.feed(chunk)
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk).encode("utf-8")
        elif self.encoding == "utf-16":
            chunk, self._odd = self._odd + chunk, b""
            if len(chunk) % 2:
                chunk, self._odd = chunk[:-1], chunk[-1:]
        view = memoryview(chunk)
        for start in range(0, len(chunk), COUNT_CHUNK):
            self._counter.feed(view[start : start + COUNT_CHUNK])

    def _start(self, first: bytes) -> None:
        bom = first[:2] in (b"\xff\xfe", b"\xfe\xff")
        if not self.options.encoding:
            if bom:
                self.encoding = "utf-16"
            else:
                _refuse_binary(self.path, first)
                self._check = _EncodingCheck()
        if first[:2] == b"\xfe\xff" and self.encoding == "utf-16":  # DuckDB reads UTF-16LE only
            raise FileRefused(f"{self.path}: UTF-16 big-endian; save it as UTF-8 (or UTF-16 little-endian)")
        text = first.decode(self._python_encoding(), "replace").lstrip("\ufeff")
        line = text[: 1 << 16].split("\n", 1)[0]
        if self.fmt == "jsonl":
            if self.encoding == "utf-16":
                self._decoder = codecs.getincrementaldecoder(self._python_encoding())()
            self._counter = LineCounter()
            return
        if not self.options.delimiter:
            self.delimiter = sniff_delimiter(line)
        try:
            width = len(next(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter), []))
        except csv.Error:  # a header field beyond the csv module's limit: the count decides
            width = 0
        if width > MAX_COLUMNS:
            raise FileRefused(_too_wide(self.path, width))
        self._counter = CsvRecordCounter(self.delimiter, wide=self.encoding == "utf-16")

    def _python_encoding(self) -> str:
        if self.encoding == "utf-16":
            return "utf-16-le"
        return "latin-1" if self.encoding == "latin-1" else "utf-8"

    def finish(self) -> None:
        if self._check is not None:
            self.encoding = self._check.result()

    def records(self) -> int:
        """Data rows (the header is not one)."""
        counter = self._counter
        total = counter.result()
        if isinstance(counter, CsvRecordCounter) and not counter.valid:
            # a quote that parity cannot read: count again the slow, exact way
            with _open_bytes(self.path, self.path.name.lower().endswith(".gz")) as fh:
                total = count_csv_records(decoded_lines(fh, self._python_encoding()), self.delimiter)
        if self.fmt == "csv" and self.options.header:
            total = max(total - 1, 0)
        return total


def _refuse_binary(path: Path, first: bytes) -> None:
    """Refuse a file that is not text: a known binary format, UTF-16 without a byte order mark
    (every other byte zero), or control characters in more than a tenth of its first bytes (a
    stray one in a text file is the quality gate's business, not a reason to refuse the file)."""
    for magic, what in MAGIC.items():
        if first.startswith(magic):
            raise FileRefused(f"{path}: {what}, not a text file")
    head = first[:4096]
    half = len(head) / 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if half >= 8 and max(even, odd) > 0.4 * half and min(even, odd) < 0.05 * half:
        raise FileRefused(
            f"{path}: looks like UTF-16 without a byte order mark; save it as UTF-8 "
            "(or as UTF-16 with a byte order mark)"
        )
    control = len(head) - len(head.translate(None, BINARY_BYTES))
    if control > 0.1 * len(head):
        raise FileRefused(
            f"{path}: binary data ({control:,} control bytes in the first {len(head):,}), not text"
        )


def _open_bytes(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else path.open("rb")


class _EncodingCheck:
    """Fed a file's bytes in order: UTF-8 when every byte decodes as UTF-8 (BOM allowed), else
    Latin-1 (which decodes anything). A UTF-16 file is known by its byte order mark before."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.encoding: str | None = None

    def feed(self, chunk: bytes) -> None:
        if self.encoding is not None:
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


def create_source_view(
    con: duckdb.DuckDBPyConnection, src: SourceFile, view: str, parallel: bool = True
) -> list[RejectedLine]:
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
    # The column names come from DuckDB's own sniffer (lenient, so that a damaged line among the
    # first ones does not stop it). The read itself is strict, with the names given: in lenient
    # mode DuckDB's parallel reader drops a line where a buffer boundary falls, and keeps a row
    # with too many fields; in strict mode it does neither, and refuses (for the quarantine) a
    # line it cannot read, every record staying whole.
    common = (
        f"delim={_quote(src.delimiter)}, header={str(src.header).lower()}, "
        f"encoding={_quote(src.encoding)}, quote='\"', escape='\"', compression='auto'"
    )
    rejects_to = "store_rejects=true, rejects_table='_cs_reject_errors', rejects_scan='_cs_reject_scans'"
    probe = (
        f"read_csv({path}, {common}, all_varchar=true, strict_mode=false, null_padding=false, {rejects_to})"
    )
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cs_probe AS SELECT * FROM {probe} LIMIT 0")
    except duckdb.Error as exc:
        raise FileRefused(f"{src.path}: cannot be read as CSV ({_first_line(exc)})") from None
    columns = [r[0] for r in con.execute("DESCRIBE _cs_probe").fetchall()]
    if len(columns) > MAX_COLUMNS:
        raise FileRefused(_too_wide(src.path, len(columns)))
    if len(columns) == 1 and src.header and src.delimiter not in columns[0] and columns[0].count(" ") > 3:
        src.notes.append(f"{src.path}: only one column found; is the delimiter {src.delimiter!r} right?")
    names = ", ".join(f"{_quote(c)}: 'VARCHAR'" for c in columns)
    # DuckDB's longest line is MAX_RECORD_BYTES by default (naming it slows the read by a third);
    # a smaller buffer needs a smaller limit: DuckDB wants its buffer larger than the longest line
    buffer = (
        f", buffer_size={CSV_BUFFER_SIZE}, max_line_size={CSV_BUFFER_SIZE // 2}" if CSV_BUFFER_SIZE else ""
    )
    # DuckDB's parallel reader can stop in the middle of a UTF-16 file it reads whole on one thread
    if not parallel or src.encoding == "utf-16":
        buffer += ", parallel=false"
    scan = (
        f"read_csv({path}, {common}, auto_detect=false, columns={{{names}}}, strict_mode=true, "
        f"null_padding=false, {rejects_to}{buffer})"
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {scan}")
    return rejects


def reader_stopped(src: SourceFile, exc: duckdb.Error) -> FileRefused | None:
    """The refusal for a CSV read that DuckDB's strict reader gave up on (it names no line), or
    None when the error is not the reader's."""
    message = _first_line(exc)
    if src.format != "csv" or "CSV" not in str(exc):
        return None
    return FileRefused(
        f"{src.path}: the CSV reader stopped ({message.removeprefix('Invalid Input Error: ')}); "
        "the file breaks the CSV rules somewhere (a lone carriage return, mixed line ends?): "
        "nothing was written"
    )


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
