"""Reading the quarantine: what was refused, where it came from and why; and the round trip of a
correction: ``export`` writes the refused rows in their file's own layout, a user fixes the cells,
and ``ingest`` loads the corrected file through the same gate, recording which batches it corrects.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa
import yaml
from pydantic import ValidationError

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.ingest.mapping import SourceOptions
from clearsight.ingest.readers import detect_format, sniff_delimiter

#: Columns ``export`` writes after the source columns. ``ingest`` reads the batch ids from the
#: first and leaves them all out of the data (no "ignored column" note): the corrected file is
#: read as the original was.
BATCH_COLUMN = "_quarantine_batch"
ROW_COLUMN = "_quarantine_row"
FIELDS_COLUMN = "_quarantine_fields"
REASONS_COLUMN = "_quarantine_reasons"
#: ...and, where some row is a line the reader refused, the line as it was in the file.
LINE_COLUMN = "_quarantine_line"
MARKERS = (BATCH_COLUMN, ROW_COLUMN, FIELDS_COLUMN, REASONS_COLUMN, LINE_COLUMN)
#: The ``fields`` of a quarantined line the reader could not split into the header's columns.
REFUSED_LINE = "(row)"


def summary(warehouse: Warehouse) -> pa.Table:
    """Quarantined rows per batch, with the file, the batches it corrects and those correcting it."""
    q = warehouse.table("quarantine")
    b = warehouse.table("ingest_batches")
    per_batch = q.group_by("batch_id", "table_name", "source").aggregate(rows=q.count())
    joined = per_batch.left_join(
        b.select("batch_id", "rows_in", "finished_at", "corrects_batch"), "batch_id"
    ).select("batch_id", "table_name", "source", "rows", "rows_in", "finished_at", "corrects_batch")
    fixes = b.filter(b.corrects_batch.notnull())
    fixes = fixes.select(fixer=fixes.batch_id, target=fixes.corrects_batch.split(",").unnest())
    by = fixes.group_by("target").aggregate(corrected_by=fixes.fixer.group_concat(","))
    joined = joined.left_join(by, joined.batch_id == by.target).drop("target")
    return joined.order_by(ibis.desc("finished_at"), "batch_id").to_pyarrow()


def batch_rows(warehouse: Warehouse, batch: str) -> ibis.Table:
    """The quarantined rows of one batch, as an expression the caller filters, orders and pages."""
    q = warehouse.table("quarantine")
    return q.filter(q.batch_id == batch).select("batch_id", "table_name", "source", "row_no", "fields", "reasons", "raw")


def rows(
    warehouse: Warehouse, batch: str | None = None, table: str | None = None, limit: int | None = 50
) -> pa.Table:
    q = warehouse.table("quarantine")
    if batch:
        q = q.filter(q.batch_id == batch)
    if table:
        q = q.filter(q.table_name == table)
    q = q.order_by("batch_id", "row_no")
    if limit:
        q = q.limit(limit)
    return q.to_pyarrow()


@dataclass
class _Layout:
    """How a batch's file was laid out: its columns in order, and the CSV options its mapping gave."""

    columns: list[str]
    delimiter: str | None = None
    encoding: str | None = None
    header: bool = True
    csv: bool = True  # a CSV file (a refused line is split into fields), not JSON lines

    def key(self) -> tuple:
        return (tuple(self.columns), self.delimiter, self.encoding, self.header)


def export(warehouse: Warehouse, out: Path, batch: str | None = None, table: str | None = None) -> int:
    """Write quarantined rows for correction, in their file's own layout: the source columns (names
    and order as in the file), one row each, then the marker columns (``MARKERS``).

    CSV by default (with the delimiter and encoding the batch's mapping names), Parquet when ``out``
    ends in .parquet, JSON lines when it ends in .jsonl or .ndjson. A line the reader refused (too
    many or too few fields) is split into the columns by the csv module when it has no more fields
    than the header (missing ones left empty); one with more keeps its columns empty; either way
    the line itself is in ``_quarantine_line``. Rows of batches with different layouts are refused
    (export them one batch at a time). Returns the number of rows written.
    """
    data = rows(warehouse, batch, table, limit=None).to_pylist()
    if not data:
        return 0
    layouts = _layouts(warehouse, data)
    distinct = {lay.key(): lay for lay in layouts.values() if lay.columns}
    if len(distinct) > 1:
        ids = sorted(layouts)
        raise UserError(
            f"the quarantined rows come from {len(ids)} batches with different columns "
            f"({', '.join(ids)}): export one at a time with --batch"
        )
    layout = next(iter(distinct.values()), None) or _Layout(columns=[])
    columns = layout.columns
    with_line = any(r["fields"] == REFUSED_LINE for r in data)
    markers = [BATCH_COLUMN, ROW_COLUMN, FIELDS_COLUMN, REASONS_COLUMN] + ([LINE_COLUMN] if with_line else [])
    clash = sorted(set(columns) & set(markers))
    if clash:  # only a file that is itself an export, loaded without its markers stripped
        raise UserError(f"the source columns already include {', '.join(clash)}: cannot export")
    records = []
    for r in data:
        values = _source_values(r, columns, layouts[r["batch_id"]])
        marks = [r["batch_id"], str(r["row_no"]), r["fields"], r["reasons"]]
        if with_line:
            marks.append(_refused_line(r) if r["fields"] == REFUSED_LINE else None)
        records.append(values + marks)
    header = columns + markers
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        arrays = [pa.array([rec[i] for rec in records], pa.string()) for i in range(len(header))]
        pq.write_table(pa.Table.from_arrays(arrays, names=header), out)
    elif suffix in (".jsonl", ".ndjson"):
        with out.open("w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(dict(zip(header, rec, strict=True)), ensure_ascii=False) + "\n")
    else:
        # A source value always encodes (it was decoded from this encoding); a reason may not.
        encoding = layout.encoding or "utf-8"
        with out.open("w", encoding=encoding, errors="backslashreplace", newline="") as fh:
            writer = csv.writer(fh, delimiter=layout.delimiter or ",")
            if layout.header:
                writer.writerow(header)
            writer.writerows(records)
    return len(records)


def _layouts(warehouse: Warehouse, data: list[dict]) -> dict[str, _Layout]:
    """The layout of each batch among ``data``: its columns from the raw values of a row the gate
    read (every such row holds every column), else the header of its file when still readable."""
    ids = sorted({r["batch_id"] for r in data})
    b = warehouse.table("ingest_batches")
    info = {
        row["batch_id"]: row
        for row in b.filter(b.batch_id.isin(ids)).select("batch_id", "mapping").to_pyarrow().to_pylist()
    }
    layouts: dict[str, _Layout] = {}
    for r in data:
        bid = r["batch_id"]
        if bid not in layouts:
            layouts[bid] = _layout_options((info.get(bid) or {}).get("mapping"), r["source"])
        lay = layouts[bid]
        if not lay.columns and r["fields"] != REFUSED_LINE:
            lay.columns = list(json.loads(r["raw"]))
    for bid, lay in layouts.items():
        if not lay.columns:
            source = next(r["source"] for r in data if r["batch_id"] == bid)
            lay.columns = _file_header(Path(source), lay)
    return layouts


def _layout_options(mapping_text: str | None, source: str) -> _Layout:
    """The CSV options a mapping (YAML text, as recorded with its batch) gives a file."""
    try:
        doc = yaml.safe_load(mapping_text or "") or {}
    except yaml.YAMLError:
        doc = {}
    try:
        options = SourceOptions.model_validate((doc.get("source") if isinstance(doc, dict) else None) or {})
    except ValidationError:
        options = SourceOptions()
    fmt, _ = detect_format(Path(source), options)
    return _Layout(
        columns=[],
        delimiter=options.delimiter,
        encoding=options.encoding,
        header=options.header,
        csv=fmt == "csv",
    )


def _file_header(path: Path, layout: _Layout) -> list[str]:
    """The column names of a CSV file's header line, or none when the file is gone or has none."""
    if not layout.csv or not layout.header or not path.is_file() or path.suffix.lower() == ".gz":
        return []
    try:
        with path.open(encoding=layout.encoding or "utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return []
    delimiter = layout.delimiter or sniff_delimiter(first)
    layout.delimiter = layout.delimiter or delimiter
    return next(csv.reader([first], delimiter=delimiter), [])


def _refused_line(r: dict) -> str:
    raw = json.loads(r["raw"])
    return raw.get("line", "") if isinstance(raw, dict) else str(raw)


def _source_values(r: dict, columns: list[str], layout: _Layout) -> list[str | None]:
    """A quarantined row's values in the order of ``columns``."""
    if r["fields"] != REFUSED_LINE:
        raw = json.loads(r["raw"])
        return [raw.get(c) for c in columns]
    line = _refused_line(r)
    if not columns or not layout.csv:
        return [None] * len(columns)
    fields = next(csv.reader([line], delimiter=layout.delimiter or sniff_delimiter(line)), [])
    if len(fields) > len(columns):  # which field is the extra one is the user's call
        return [None] * len(columns)
    return [*fields, *[None] * (len(columns) - len(fields))]


def strip_markers(con, view: str) -> str | None:
    """Leave the marker columns of an exported quarantine file out of source view ``view`` (the
    view then reads view ``<view>_marked``, which the caller drops). Returns the batches the
    file corrects, comma-separated, or None when it has no markers."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]
    found = [c for c in columns if c in MARKERS]
    if not found:
        return None
    batches: list[str] = []
    if BATCH_COLUMN in found:
        batches = [
            r[0]
            for r in con.execute(
                f'SELECT DISTINCT "{BATCH_COLUMN}" FROM {view} WHERE "{BATCH_COLUMN}" IS NOT NULL ORDER BY 1'
            ).fetchall()
        ]
    marked = f"{view}_marked"
    con.execute(f"DROP VIEW IF EXISTS {marked}")
    con.execute(f"ALTER VIEW {view} RENAME TO {marked}")
    excluded = ", ".join(f'"{c}"' for c in found)
    con.execute(f"CREATE TEMP VIEW {view} AS SELECT * EXCLUDE ({excluded}) FROM {marked}")
    return ",".join(batches) or None
