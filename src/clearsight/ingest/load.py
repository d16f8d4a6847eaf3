"""Ingest one file into one canonical table: read, map, check, load — as one atomic batch.

rows in = rows accepted + rows quarantined, always: a row the gate refuses goes to ``quarantine``
with the file, its row number, its raw values and every reason; the batch is recorded in
``ingest_batches`` with the file's sha256, and the same file twice is a no-op.
"""

from __future__ import annotations

import getpass
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import ibis
import sqlglot
import sqlglot.expressions as sge

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Staging, Warehouse
from clearsight.ingest import gate
from clearsight.ingest.mapping import FieldSpec, Mapping, MappingError, default_mapping, load_mapping, resolve
from clearsight.ingest.quarantine import strip_markers
from clearsight.ingest.readers import (
    FileRefused,
    RejectedLine,
    SourceFile,
    create_source_view,
    insert_values,
    inspect_file,
    number_rows,
    read_rejects,
    reader_stopped,
    reset_rejects,
    sql_value,
)
from clearsight.schema import LINEAGE_COLUMNS, TABLES, Table, get_table

SOURCE_VIEW = "_cs_source"
PARSED = "_cs_parsed"
STAGED = "_cs_staged"
NUMBERED = "_cs_numbered"  # the staged rows with their numbers
ROWS = "_cs_rows"  # ...and every field of the table
LATE = "_cs_late"
OUTCOME_FIELDS = ("inspected", "fraud", "critical_fraud", "additional_revenue", "inspected_at")


@dataclass
class IngestResult:
    batch: str | None
    table: str
    source: str
    rows_in: int = 0
    accepted: int = 0
    quarantined: int = 0
    warnings: int = 0
    inspections: int = 0
    skipped: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: batches whose quarantined rows the file corrects (comma-separated; see quarantine.export)
    corrects: str | None = None

    def summary(self) -> dict:
        """The object `clearsight ingest --json` prints."""
        keys = ("batch", "table", "rows_in", "accepted", "quarantined", "skipped")
        out = {k: getattr(self, k) for k in keys}
        out.update(source=self.source, warnings=self.warnings, inspections=self.inspections)
        out.update(corrects_batch=self.corrects)
        return out


def ingest_file(
    warehouse: Warehouse,
    table_name: str,
    path: Path,
    mapping_path: Path | None = None,
    *,
    tmp_dir: Path | None = None,
    memory_limit: str = "1GB",
    loaded_by: str | None = None,
) -> IngestResult:
    """Ingest ``path`` into ``table_name``. Raises UserError (FileRefused, MappingError) on a refusal."""
    started = time.perf_counter()
    table = get_table(table_name)
    if not table.loadable:
        raise UserError(f"table {table_name!r} is written by clearsight itself and cannot be loaded")
    mapping = load_mapping(mapping_path) if mapping_path else default_mapping(table)
    if mapping.table != table.name:
        raise MappingError(f"{mapping.origin}: mapping is for table {mapping.table!r}, not {table.name!r}")
    src = inspect_file(path, mapping.source)
    result = IngestResult(batch=None, table=table.name, source=str(path), notes=list(src.notes))
    batch_id = f"{table.name}-{src.sha256[:12]}"

    previous = _batch_with_hash(warehouse, table.name, src.sha256)
    if previous:
        result.batch, result.skipped = previous, True
        result.notes.append(f"{path}: already ingested as batch {previous}; nothing to do")
        return result

    with warehouse.staging() as stage:
        _stage_and_write(warehouse, stage, table, mapping, src, result, batch_id, loaded_by, tmp_dir, memory_limit)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _stage_and_write(
    warehouse: Warehouse,
    stage: Staging,
    table: Table,
    mapping: Mapping,
    src: SourceFile,
    result: IngestResult,
    batch_id: str,
    loaded_by: str | None,
    tmp_dir: Path | None,
    memory_limit: str,
) -> None:
    """Stage the file in ``stage`` (beside the warehouse on DuckDB: checks against it are plain
    joins), then write the batch in one warehouse transaction."""
    con = stage.duckdb
    _configure(con, tmp_dir, memory_limit)
    started_at = datetime.now(UTC).replace(tzinfo=None)
    # Staging writes only temporary tables, outside the batch's transaction: DuckDB reads a table
    # created inside the running transaction on one thread, and the writes below read the staged
    # rows. The batch itself (every warehouse write) is one transaction.
    try:
        staged = _stage(stage, con, table, mapping, src, result)
        with warehouse.transaction():
            _write(warehouse, stage, con, table, mapping, src, staged, batch_id, result, loaded_by, started_at)
    finally:
        con.execute("SET preserve_insertion_order = true")
        for name in (ROWS, NUMBERED, PARSED, "_cs_exprs", SOURCE_VIEW, f"{SOURCE_VIEW}_marked"):
            con.execute(f"DROP VIEW IF EXISTS {name}")
        for name in (
            STAGED,
            LATE,
            "_cs_probe",
            "_cs_lines",
            "_cs_keys",
            "_cs_refs",
            "_cs_rejects",
            "_cs_refused",
            "_cs_reject_errors",
            "_cs_reject_scans",
        ):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        gate.drop_lookups(con)


def _configure(con: duckdb.DuckDBPyConnection, tmp_dir: Path | None, memory_limit: str) -> None:
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")  # clearsight draws its own
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{tmp_dir.resolve()}'")


def _batch_with_hash(warehouse: Warehouse, table: str, sha256: str) -> str | None:
    b = warehouse.table("ingest_batches")
    found = b.filter((b.table_name == table) & (b.sha256 == sha256)).select("batch_id").limit(1)
    return warehouse.sql_scalar(found)


def _number_sql(column: str, decimal: str) -> str:
    """SQL reading a text column as a number the way the gate does (thousands marks, decimal mark)."""
    quoted = '"' + column.replace('"', '""') + '"'
    bare = f"regexp_replace({quoted}, '[\\s''’_]', '', 'g')"
    if decimal == ",":
        text = f"replace(replace({bare}, '.', ''), ',', '.')"
    else:
        grouped = f"regexp_matches({bare}, '^[+-]?\\d{{1,3}}(,\\d{{3}})+(\\.\\d*)?$')"
        text = f"CASE WHEN {grouped} THEN replace({bare}, ',', '') ELSE {bare} END"
    return f"TRY_CAST({text} AS DOUBLE)"


def _expression_columns(con, specs, columns: list[str], source_name: str, decimal: str) -> dict[str, str]:
    """Add mapping expressions (SQL over source columns) as columns of a view.

    Text columns used in arithmetic are read as numbers, so ``"Item Price" * "Tax Rate" / 100``
    works on a CSV. Beside each expression, ``__exprin__<field>`` says whether all its input cells
    were filled, so an expression that gives nothing from filled cells is an error, not a silent NULL.
    """
    exprs = {name: spec.expr for name, spec in specs.items() if spec.expr is not None}
    if not exprs:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _cs_exprs AS SELECT * FROM {SOURCE_VIEW}")
        return {}
    parts = []
    for name, text in exprs.items():
        try:
            tree = sqlglot.parse_one(text, read="duckdb")
        except sqlglot.errors.ParseError as exc:
            raise MappingError(
                f"{source_name}: mapping expression for {name!r} does not parse: {exc}"
            ) from None
        inputs = sorted({col.name for col in tree.find_all(sge.Column)})
        for col in list(tree.find_all(sge.Column)):
            if col.name not in columns:
                raise MappingError(
                    f"{source_name}: mapping expression for {name!r} names column {col.name!r}, "
                    f"which the file does not have; columns: {', '.join(columns)}"
                )
            if isinstance(col.parent, (sge.Add, sge.Sub, sge.Mul, sge.Div, sge.Mod, sge.Neg, sge.Paren)):
                col.replace(sqlglot.parse_one(_number_sql(col.name, decimal), read="duckdb"))
        filled = " AND ".join(f'"{c}" IS NOT NULL' for c in inputs) or "TRUE"
        parts.append(f'CAST(({tree.sql(dialect="duckdb")}) AS VARCHAR) AS "__expr__{name}"')
        parts.append(f'CASE WHEN {filled} THEN {_sql_text(", ".join(inputs))} END AS "__exprin__{name}"')
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _cs_exprs AS SELECT *, {', '.join(parts)} FROM {SOURCE_VIEW}"
        )
        con.execute("SELECT * FROM _cs_exprs LIMIT 0")
    except duckdb.Error as exc:
        raise MappingError(
            f"{source_name}: a mapping expression cannot be evaluated: {str(exc).splitlines()[0]}"
        ) from None
    return {name: f"__expr__{name}" for name in exprs}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Staged:
    """What staging learnt about the file: the fields it fills, and the lines the reader refused."""

    specs: dict[str, FieldSpec]
    rejects: list[RejectedLine]
    rows: ibis.Table  # view ROWS
    counted: int  # the file's rows, counted without the reader (``readers.inspect_file``)


def _stage(
    stage: Staging, con: duckdb.DuckDBPyConnection, table: Table, mapping: Mapping, src: SourceFile, result
) -> Staged:
    """Read the file through the quality gate into temporary table ``STAGED``; view ``ROWS`` shows
    its rows with their numbers and every field of the table."""
    rejects: list[RejectedLine] = create_source_view(con, src, SOURCE_VIEW)
    result.corrects = strip_markers(con, SOURCE_VIEW)  # a corrected quarantine export
    columns = _source_columns(con)
    specs, ignored = resolve(mapping, columns, str(src.path))
    if ignored:
        result.notes.append(f"{src.path}: columns not in the data model, ignored: {', '.join(ignored)}")
    expr_columns = _expression_columns(con, specs, columns, str(src.path), mapping.source.decimal)

    gate.install_lookups(con, table, specs)
    parsed = gate.parsed_expression(
        stage.table("_cs_exprs"), table, specs, expr_columns, mapping.source.decimal
    )
    # A view between the phases keeps each costly parse in one column, computed once.
    parsed_t = _create(con, "VIEW", PARSED, parsed)
    staged = gate.staged_expression(parsed_t, table, specs)
    # One read of the file, parsed and checked as it is read. The query has no join, so DuckDB
    # reads in parallel and still stores the rows in file order, which numbers them.
    con.execute("SET preserve_insertion_order = true")
    rejects += _read(con, src, staged, len(rejects), result)
    counted = src.records if src.records is not None else _rows_read(con, rejects)
    if "_row" in staged.columns:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {NUMBERED} AS SELECT * FROM {STAGED}")
        numbered = ibis.table(staged.schema(), name=NUMBERED)
    else:
        number_rows(con, STAGED, NUMBERED, rejects)
        numbered = ibis.table({"_seq": "int64", "_row": "int64", **staged.schema()}, name=NUMBERED)
    rows = _create(con, "VIEW", ROWS, gate.canonical_rows(numbered, table))
    # From here on every row carries its number: no step depends on the order rows come in, so
    # each may run on every core (an insert that keeps order runs on one when its query joins).
    con.execute("SET preserve_insertion_order = false")
    return Staged(specs=specs, rejects=rejects, rows=rows, counted=counted)


def _read(
    con: duckdb.DuckDBPyConnection, src: SourceFile, staged: ibis.Table, earlier: int, result
) -> list[RejectedLine]:
    """Read the file through the gate into ``STAGED``; return the lines the reader refused (beside
    the ``earlier`` ones: JSON lines that are not objects, found when the view was made).

    The rows the reader returned (staged or refused) must be the file's own count (``src.records``,
    made without the reader). DuckDB's parallel CSV reader splits a file into buffers and guesses
    where a record starts in each; where it guesses wrong (it has taken the end of a quoted field
    for a line) or gives up, the file is read again on one thread. A difference that remains
    refuses the file before anything is written.
    """
    for parallel in (True, False):
        if not parallel:
            create_source_view(con, src, SOURCE_VIEW, parallel=False)  # the views on it follow
        reset_rejects(con)
        try:
            _create(con, "TABLE", STAGED, staged)
        except duckdb.Error as exc:
            refusal = reader_stopped(src, exc)
            if refusal is None:
                raise
            if parallel and src.encoding != "utf-16":
                continue
            raise refusal from None
        found = read_rejects(con, src)
        read = _rows_read(con, found) + earlier
        if src.records is None or read == src.records:
            return found
        if not parallel or src.format != "csv" or src.encoding == "utf-16":
            break
        result.notes.append(
            f"{src.path}: DuckDB's parallel reader returned {read:,} rows of {src.records:,}; "
            "read again on one thread"
        )
    raise FileRefused(_mismatch(src, src.records, read, "the reader returned"))


def _rows_read(con: duckdb.DuckDBPyConnection, rejects: list[RejectedLine]) -> int:
    return con.execute(f"SELECT count(*) FROM {STAGED}").fetchone()[0] + len(rejects)


def _mismatch(src: SourceFile, counted: int, got: int, what: str = "accepted + quarantined make") -> str:
    return (
        f"{src.path}: {counted:,} rows in the file (counted apart from the reader) but {what} "
        f"{got:,}; refused, nothing was written"
    )


def _create(con: duckdb.DuckDBPyConnection, kind: str, name: str, expr: ibis.Table) -> ibis.Table:
    """Create temporary view or table ``name`` from an expression; return it as a table to build
    on (its schema is the expression's: no round trip to ask the engine)."""
    con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {ibis.to_sql(expr, dialect='duckdb')}")
    return ibis.table(expr.schema(), name=name)


def _write(
    warehouse: Warehouse,
    stage: Staging,
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: Mapping,
    src: SourceFile,
    staged: Staged,
    batch_id: str,
    result: IngestResult,
    loaded_by: str | None,
    started_at: datetime,
) -> None:
    """Check across rows, then write the batch: accepted rows, control outcomes, quarantine, record."""
    specs, rejects = staged.specs, staged.rejects
    staged_t = staged.rows
    late_t = _create(con, "TABLE", LATE, _late_checks(stage, table, staged_t))
    late_count = con.execute(f"SELECT count(*) FROM {LATE}").fetchone()[0]
    clean = _clean(staged_t, late_t if late_count else None)

    result.accepted, result.warnings = _append(
        warehouse, stage, table.name, _accepted(table, staged_t, clean), batch_id
    )
    if table.name == "declarations" and any(name in specs for name in OUTCOME_FIELDS):
        result.inspections, _ = _append(warehouse, stage, "inspections", _outcomes(clean), batch_id)

    quarantine = _quarantine_sql(con, src, table, staged_t, late_count, rejects, batch_id)
    # A second read of the file numbers its rows in the order they come: keep that order.
    con.execute("SET preserve_insertion_order = true")
    result.quarantined = stage.append("quarantine", quarantine)
    result.rows_in = staged.counted
    if result.rows_in != result.accepted + result.quarantined:  # the invariant users rely on
        raise FileRefused(_mismatch(src, result.rows_in, result.accepted + result.quarantined))
    if result.rows_in == 0:
        raise FileRefused(f"{src.path}: no data rows (only a header?)")
    record = {
        "batch_id": batch_id,
        "table_name": table.name,
        "source": str(src.path),
        "sha256": src.sha256,
        "rows_in": result.rows_in,
        "accepted": result.accepted,
        "quarantined": result.quarantined,
        "warnings": result.warnings,
        "mapping": mapping.text,
        "loaded_by": loaded_by or _user(),
        "started_at": started_at,
        "finished_at": datetime.now(UTC).replace(tzinfo=None),
        "corrects_batch": result.corrects,
    }
    _append_row(stage, "ingest_batches", record)
    result.batch = batch_id


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _late_checks(stage: Staging, table: Table, staged: ibis.Table) -> ibis.Table:
    """Checks across rows: duplicate keys (in the file, against the warehouse) and references to nothing."""
    clean = staged.filter(~gate.has_errors(staged))
    parts: list[ibis.Table] = []
    key = list(table.key)
    if key:
        dup = (
            clean.group_by(key)
            .aggregate(_first=clean._row.min(), _n=clean.count())
            .filter(lambda t: t._n > 1)
        )
        hits = clean.inner_join(dup, key)
        parts.append(
            hits.filter(hits._row != hits._first).select(
                "_row",
                "_seq",
                _reason=ibis.literal(f"{', '.join(key)}: duplicate key in the file (first at row ")
                + hits._first.cast("string")
                + ")",
                _fields=ibis.literal(",".join(key)),
                _check=ibis.literal(len(parts)),
            )
        )
        existing = stage.warehouse_table(table.name, [*key, "batch_id"], "_cs_keys")
        hits = clean.inner_join(existing, key)
        parts.append(
            hits.select(
                "_row",
                "_seq",
                _reason=ibis.literal(f"{', '.join(key)}: already in the warehouse (batch ")
                + hits.batch_id.fill_null("?")
                + ")",
                _fields=ibis.literal(",".join(key)),
                _check=ibis.literal(len(parts)),
            )
        )
    for columns, target in table.references:
        refs = stage.warehouse_table(target, list(columns), "_cs_refs")
        missing = clean.anti_join(refs, list(columns))
        parts.append(
            missing.select(
                "_row",
                "_seq",
                _reason=ibis.literal(f"{', '.join(columns)}: refers to nothing in {target} (")
                + ibis.literal("/").join([missing[c].cast("string") for c in columns])
                + ")",
                _fields=ibis.literal(",".join(columns)),
                _check=ibis.literal(len(parts)),
            )
        )
    if not parts:
        return clean.select("_row", "_seq", _reason=ibis.literal(""), _fields=ibis.literal("")).limit(0)
    late = ibis.union(*parts, distinct=False)
    order = [late._check, late._reason]  # the reasons of a row in the order of the checks
    return late.group_by("_row", "_seq").aggregate(
        _reason=late._reason.group_concat("; ", order_by=order),
        _fields=late._fields.group_concat(",", order_by=order),
    )


def _clean(staged: ibis.Table, late: ibis.Table | None) -> ibis.Table:
    """Rows without errors, less those refused by cross-row checks (no join when there are none)."""
    ok = staged.filter(~gate.has_errors(staged))
    return ok if late is None else ok.anti_join(late, "_row")


def _accepted(table: Table, staged: ibis.Table, ok: ibis.Table) -> ibis.Table:
    """The rows to write (``ok``, see ``_clean``) with their quality flags; for declarations, a unit
    value far from its HS6's median in the file (``staged``) adds a flag."""
    flags = ok._warnings
    if table.name == "declarations":
        ref = gate.unit_value_flags(staged)
        ok = ok.left_join(ref, "hs6")
        extreme = (gate.log_unit_value(ok) - ok._uv_median).abs() > gate.UNIT_VALUE_LOG_LIMIT
        flags = ibis.ifelse(
            extreme.fill_null(False),
            ibis.literal(",").join([ok._warnings, ibis.literal("customs_value:extreme_unit_value")]),
            ok._warnings,
        )
    return ok.mutate(_quality_flags=flags)


def _outcomes(ok: ibis.Table) -> ibis.Table:
    """Control outcomes carried by the accepted rows of a declarations file, as inspections rows
    (a labelled row is inspected)."""
    labelled = ok.fraud.notnull() | ok.critical_fraud.notnull() | ok.inspected.fill_null(False)
    ok = ok.filter(labelled)
    result = ibis.cases(
        (ok.critical_fraud.fill_null(False), "critical"),
        (ok.fraud.fill_null(False), "fraud"),
        else_="compliant",
    )
    return ok.select(
        "_row",
        declaration_id=ok.declaration_id,
        item_no=ok.item_no,
        lane=ibis.null("string"),
        method=ibis.null("string"),
        inspected_at=ok.inspected_at,
        result=result,
        fraud_type=ibis.null("string"),
        additional_revenue=ok.additional_revenue,
        officer_id=ibis.null("string"),
        supersedes=ibis.null("string"),  # an outcome carried by a declarations file corrects nothing
        correction_reason=ibis.null("string"),
        _quality_flags=ibis.null("string"),
    )


def _append(warehouse: Warehouse, stage: Staging, name: str, rows: ibis.Table, batch_id: str) -> tuple[int, int]:
    """Append staged rows to a canonical table, adding the lineage columns.

    Returns (rows written, rows with a quality flag).
    """
    target = TABLES[name]
    cols = [c for c in target.storage_schema() if c not in LINEAGE_COLUMNS]
    final = rows.select(*cols, batch_id=ibis.literal(batch_id), quality_flags=rows._quality_flags)
    written = stage.append(name, ibis.to_sql(final, dialect="duckdb"))
    b = warehouse.table(name)
    return written, warehouse.sql_scalar(b.filter((b.batch_id == batch_id) & b.quality_flags.notnull()).count())


def _append_row(stage: Staging, name: str, row: dict) -> None:
    """Append one row (column -> value) to a warehouse table. Its values are SQL literals: DuckDB's
    parameter binding loads pandas (see ``readers.insert_values``)."""
    stage.append(name, "SELECT " + ", ".join(f'{sql_value(value)} AS "{column}"' for column, value in row.items()))


def _quarantine_sql(
    con, src: SourceFile, table: Table, staged: ibis.Table, late_count: int, rejects, batch_id: str
) -> str:
    """SQL for every refused row, in file order: its number, raw values, fields at fault, reasons.

    Rows the gate refused carry their raw values from the staging read. Rows refused by cross-row
    checks (``LATE``) were not known to be refused then: their raw values come from a second,
    filtered read of the file, made only when there are such rows. Lines the reader refused are
    quoted as they are in the file.
    """
    errors = staged.filter(gate.has_errors(staged))
    parts = [
        ibis.to_sql(
            errors.select(
                row_no=errors._row,
                raw=errors._raw,
                fields=errors._errors.split(gate.ERROR_SEPARATOR)
                .map(lambda e: e.split(":")[0].split(" (")[0])
                .join(","),
                reasons=errors._errors.replace(gate.ERROR_SEPARATOR, "; "),
            ),
            dialect="duckdb",
        )
    ]
    if late_count:
        cols = _source_columns(con)
        struct = ", ".join(f'{_sql_text(c)}: "{c}"' for c in cols)
        # _seq is the position among the rows read: the source's own number where it has one, else
        # the count of rows read, in file order (the caller keeps insertion order for this).
        seq = "_row" if "_row" in _source_columns(con, with_row=True) else "row_number() OVER ()"
        parts.append(
            f"SELECT l._row AS row_no, CAST(CAST({{{struct}}} AS JSON) AS VARCHAR) AS raw, "
            f"l._fields AS fields, l._reason AS reasons "
            f"FROM (SELECT {seq} AS _seq, * FROM {SOURCE_VIEW}) v JOIN {LATE} l ON v._seq = l._seq"
        )
    if rejects:
        con.execute("CREATE OR REPLACE TEMP TABLE _cs_refused (row_no BIGINT, raw VARCHAR, reason VARCHAR)")
        insert_values(
            con,
            "_cs_refused",
            [(r.row_no, json.dumps({"line": r.raw}, ensure_ascii=False), r.reason) for r in rejects],
        )
        parts.append("SELECT row_no, raw, '(row)' AS fields, reason AS reasons FROM _cs_refused")
    union = " UNION ALL ".join(f"({p})" for p in parts)
    return (
        f"SELECT {_sql_text(batch_id)} AS batch_id, {_sql_text(table.name)} AS table_name, "
        f"{_sql_text(str(src.path))} AS source, CAST(row_no AS BIGINT) AS row_no, raw, fields, reasons "
        f"FROM ({union}) ORDER BY row_no"
    )


def _source_columns(con, with_row: bool = False) -> list[str]:
    """The source view's columns; ``_row`` (the row number some readers give) only when asked."""
    return [r[0] for r in con.execute(f"DESCRIBE {SOURCE_VIEW}").fetchall() if with_row or r[0] != "_row"]


__all__ = ["IngestResult", "ingest_file"]
