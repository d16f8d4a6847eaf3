"""The analytical warehouse: one Ibis connection, DuckDB by default, Spark (or another backend) by URL.

Every analytical query in clearsight is an Ibis expression over the canonical tables, so the same
code runs on a laptop's DuckDB file and on a Spark cluster.

A DuckDB file is open in one process at a time (the first one locks it). So a command that finds it
locked waits for it, saying which process holds it (:class:`WarehouseBusy` when the wait runs out),
and a long-running process (the portal) uses a *shared* warehouse (:func:`open_shared`): the file is
opened for each unit of work and closed after it, so commands can use it in between.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import ibis
import ibis.expr.schema as sch
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends import BaseBackend

from clearsight.core.settings import Settings
from clearsight.schema import TABLES, Table
from clearsight.schema.derived import DERIVED_TABLES, DerivedTable

if TYPE_CHECKING:
    import duckdb

#: Longest pause between two tries at a locked file.
_RETRY_S = 0.25
_LOCKED = "Could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseError(RuntimeError):
    """The warehouse URL cannot be used."""


class WarehouseBusy(WarehouseError):
    """The warehouse file stayed locked by another process for longer than the wait allowed."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Warehouse:
    """A connected warehouse with the canonical tables.

    A *shared* one (see :func:`open_shared`) has no connection of its own: each :meth:`session` opens
    the DuckDB file at its first use and closes it at its end.
    """

    def __init__(
        self, con: BaseBackend | None, url: str, *, wait_s: float = 0.0, on_wait: Callable[[str], None] = _say
    ) -> None:
        self._con = con
        self.url = url
        self.shared = con is None
        self._wait_s = wait_s
        self._on_wait = on_wait
        self._lock = threading.Lock()
        self._started: float | None = None  # inside a shared session: when it began waiting
        self._session_wait = wait_s  # ...and how long it may wait in all

    @property
    def _backend(self) -> BaseBackend:
        """The Ibis connection (opened here for a shared warehouse). Only this module touches it."""
        if self._con is None:
            if self._started is None:
                raise RuntimeError("a shared warehouse is used inside `with warehouse.session() as wh:` only")
            self._con = _open_duckdb(_duckdb_path(self.url), self._session_wait, self._on_wait, since=self._started)
        return self._con

    @contextmanager
    def session(self, wait_s: float | None = None) -> Iterator[Warehouse]:
        """This warehouse for one unit of work, one thread at a time. A shared warehouse opens its
        file at the first use inside the session (waiting up to ``wait_s``, by default its own, in all,
        this process's other sessions included) and closes it at the end."""
        started = time.monotonic()
        wait = self._wait_s if wait_s is None else wait_s
        if not self._lock.acquire(timeout=wait if self.shared else -1):
            raise WarehouseBusy(
                f"the warehouse {_duckdb_path(self.url)} is still busy with this process's other requests "
                f"after {wait:g} s", "this process",
            )
        try:
            if self.shared:
                self._started, self._session_wait = started, wait
            yield self
        finally:
            if self.shared:
                self._started = None
                self.close()
            self._lock.release()

    @property
    def kind(self) -> str:
        return "duckdb" if self.shared else self._backend.name

    @property
    def is_duckdb(self) -> bool:
        return self.kind == "duckdb"

    # Tables: the canonical ones (clearsight.schema.TABLES) and the derived ones the rooms write
    # (clearsight.schema.derived.DERIVED_TABLES), plus any scratch table a caller makes.

    def list_tables(self) -> list[str]:
        return list(self._backend.list_tables())

    def has_table(self, name: str) -> bool:
        return name in self._backend.list_tables()

    def ensure_tables(self) -> None:
        """Create every canonical table that does not exist yet (empty), and give an existing canonical
        or derived one the columns it lacks (a warehouse made by an earlier version of clearsight;
        empty for old rows)."""
        existing = set(self._backend.list_tables())
        for name, table in TABLES.items():
            if name not in existing:
                self._backend.create_table(name, schema=sch.Schema(table.storage_schema()))
            else:
                self._add_missing_columns(name, table.storage_schema())
        for name, derived in DERIVED_TABLES.items():  # a derived table is created when first used
            if name in existing:
                self._add_missing_columns(name, derived.storage_schema())

    def _add_missing_columns(self, name: str, columns: dict[str, str]) -> None:
        have = set(self._backend.get_schema(name).names)
        for column, dtype in columns.items():
            if column not in have:
                kind = self._backend.compiler.type_mapper.from_ibis(ibis.dtype(dtype))
                add = sge.ColumnDef(this=sg.to_identifier(column, quoted=True), kind=kind)
                alter = sge.Alter(this=sg.table(name, quoted=True), kind="TABLE", actions=[add])
                self._backend.raw_sql(alter.sql(self._backend.dialect))

    def table(self, name: str) -> ibis.Table:
        """A canonical or derived table, created empty when the warehouse does not have it yet
        (ValueError naming the known tables for any other name)."""
        declared = declared_table(name)
        if not self.has_table(name):
            if name in TABLES:
                self.ensure_tables()
            else:
                self._backend.create_table(name, schema=sch.Schema(declared.storage_schema()))
        return self._backend.table(name)

    def create_table(
        self, name: str, data: Any = None, *, schema: sch.Schema | None = None, overwrite: bool = False
    ) -> ibis.Table:
        """Create table ``name`` from ``data`` (Arrow, a DataFrame or an Ibis expression), or empty with
        ``schema`` (by default the declared columns of a canonical or derived table); ``overwrite``
        replaces a table of that name."""
        if data is None and schema is None:
            schema = sch.Schema(declared_table(name).storage_schema())
        return self._backend.create_table(name, data, schema=schema, overwrite=overwrite)

    def memtable(self, data: pa.Table) -> ibis.Table:
        """``data`` as a table any expression on this warehouse may read, cached ones (``.cache()``)
        included: Ibis's Spark backend caches an expression without registering the in-memory tables
        it reads (the view is then not found), so they are registered here up front."""
        t = ibis.memtable(data)
        if self.kind == "pyspark":
            self._backend._register_in_memory_tables(t)
        return t

    def drop_table(self, name: str, *, missing_ok: bool = True) -> None:
        self._backend.drop_table(name, force=missing_ok)

    def insert(self, name: str, data: Any) -> None:
        """Append rows (a PyArrow table, a DataFrame or an Ibis expression) to a table."""
        if self.kind == "pyspark" and isinstance(data, pa.Table):
            self._spark_write(name, data, overwrite=False)
        else:
            self._backend.insert(name, data)

    def replace(self, name: str, data: Any) -> None:
        """Replace a table's content (used to load a copy of another warehouse, e.g. in tests)."""
        if self.kind == "pyspark" and isinstance(data, pa.Table) and self.has_table(name):
            self._spark_write(name, data, overwrite=True)
        else:
            self._backend.create_table(name, data, overwrite=True)

    def replace_rows(self, name: str, rows: pa.Table, where: Callable[[ir.Table], ir.BooleanValue]) -> None:
        """Remove the rows of table ``name`` that ``where(table)`` selects and append ``rows``, in one
        step: a failure leaves the table as it was.

        DuckDB: a DELETE and an INSERT in one transaction. Spark (no transactions): the rows kept and
        the new ones are staged in a table, then written over the table in one INSERT OVERWRITE job
        (the rows never leave the cluster). Another engine: the same staging, written back through Arrow.
        """
        t = self._backend.table(name)
        if self.is_duckdb:
            with self.transaction():
                self._backend.raw_sql(_delete_sql(name, t.filter(where(t))))
                self._backend.insert(name, rows)
            return
        staging = f"{name}_staging"
        self._backend.create_table(staging, t.filter(~where(t)), overwrite=True)
        try:
            self.insert(staging, rows)
            if self.kind == "pyspark":
                self._backend._session.table(staging).select(*t.columns).write.insertInto(name, overwrite=True)
            else:
                self.replace(name, self._backend.table(staging).to_pyarrow())
        finally:
            self._backend.drop_table(staging, force=True)

    def _spark_write(self, name: str, data: pa.Table, overwrite: bool) -> None:
        """Arrow straight into Spark: Ibis's pandas route would turn NULL text into the string 'NaN'."""
        columns = self._backend.table(name).columns
        frame = self._backend._session.createDataFrame(data.select(columns))
        frame.write.insertInto(name, overwrite=overwrite)

    # Queries and statements.

    def sql_scalar(self, query: str | ir.Expr) -> Any:
        """The first value of the first row of a query: an Ibis expression, or SQL text in the
        warehouse's dialect. None when it has no rows. On DuckDB a plain query (Ibis's route to a
        result goes through pandas)."""
        if self.is_duckdb:
            sql = query if isinstance(query, str) else ibis.to_sql(query, dialect="duckdb")
            row = self._backend.con.execute(sql).fetchone()
            return row[0] if row else None
        found = (self._backend.sql(query) if isinstance(query, str) else query).to_pyarrow()
        if isinstance(found, pa.Table):
            return found.column(0)[0].as_py() if found.num_rows else None
        if isinstance(found, (pa.Array, pa.ChunkedArray)):
            return found[0].as_py() if len(found) else None
        return found.as_py()

    def run_sql(self, statement: str) -> None:
        """Run one SQL statement in the warehouse's dialect: what the Ibis API does not say (a table
        with a check constraint, a bulk INSERT ... SELECT of generated rows)."""
        self._backend.raw_sql(statement)

    def hide_progress(self) -> None:
        """No progress bar from the engine on the terminal: DuckDB draws one for long queries, which
        would land in the middle of ``--json`` output on stdout. Nothing to do on other engines."""
        if self.is_duckdb:
            self._backend.raw_sql("SET enable_progress_bar = false")

    @contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """The writes inside as one unit: committed at the end, rolled back on any error.

        DuckDB: BEGIN / COMMIT / ROLLBACK (the ingest's staging on the same connection included).
        Engines without multi-statement transactions (Spark) run each write as its own job: the block
        runs as it is; a replacement that must not be seen half done uses :meth:`replace_rows`.
        """
        if not self.is_duckdb:
            yield self
            return
        self._backend.raw_sql("BEGIN TRANSACTION")
        try:
            yield self
            self._backend.raw_sql("COMMIT")
        except BaseException:
            self._backend.raw_sql("ROLLBACK")
            raise

    # The ingest's staging area.

    def duckdb_stage(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection of a DuckDB warehouse: the one door to it, for the ingest's bulk
        staging (files read through the quality gate into temporary tables, then plain
        ``INSERT ... SELECT`` into the warehouse, in the warehouse's transaction). A
        :class:`WarehouseError` on any other engine; :meth:`staging` brings its own DuckDB there."""
        if not self.is_duckdb:
            raise WarehouseError(
                f"the warehouse runs on {self.kind}, not DuckDB: it has no DuckDB connection to stage in "
                "(use Warehouse.staging(), which brings its own)"
            )
        return self._backend.con

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        """A DuckDB work area to read, check and number a file before writing it to the warehouse.

        On a DuckDB warehouse the area is the warehouse's own connection (:meth:`duckdb_stage`), so
        checks against warehouse tables are plain joins and writes plain SQL; on another engine it
        is a DuckDB in memory, closed at the end, and writes go through Arrow."""
        if self.is_duckdb:
            yield Staging(self, self._backend, self.duckdb_stage(), in_warehouse=True)
            return
        backend = ibis.duckdb.connect()
        try:
            yield Staging(self, backend, backend.con, in_warehouse=False)
        finally:
            backend.disconnect()

    def close(self) -> None:
        con, self._con = self._con, (None if self.shared else self._con)
        disconnect = getattr(con, "disconnect", None)
        if disconnect is not None:
            disconnect()


class Staging:
    """The ingest's DuckDB work area (see :meth:`Warehouse.staging`).

    ``duckdb`` is its raw DuckDB connection, for temporary views and tables and bulk SQL;
    ``in_warehouse`` says whether the area is the warehouse's own DuckDB (warehouse tables can be
    joined in place, and the warehouse's transaction covers the writes)."""

    #: Rows per Arrow chunk written to a warehouse on another engine.
    CHUNK_ROWS = 500_000

    def __init__(
        self, warehouse: Warehouse, backend: BaseBackend, connection: duckdb.DuckDBPyConnection, *, in_warehouse: bool
    ) -> None:
        self.warehouse = warehouse
        self._backend = backend
        self.duckdb = connection
        self.in_warehouse = in_warehouse

    def table(self, name: str) -> ibis.Table:
        """A table or view of the staging area."""
        return self._backend.table(name)

    def warehouse_table(self, name: str, columns: list[str], as_name: str) -> ibis.Table:
        """Columns of warehouse table ``name`` as a table the staging area can join: the table itself
        when the area is the warehouse, else a copy in temporary table ``as_name``."""
        found = self.warehouse.table(name).select(*columns)
        if self.in_warehouse:
            return found
        self.duckdb.register(f"{as_name}_arrow", found.to_pyarrow())
        self.duckdb.execute(f"CREATE OR REPLACE TEMP TABLE {as_name} AS SELECT * FROM {as_name}_arrow")
        self.duckdb.unregister(f"{as_name}_arrow")
        return self.table(as_name)

    def append(self, name: str, sql: str) -> int:
        """Append the rows of a query over the staging area to warehouse table ``name`` (its columns
        by name); returns how many. In the warehouse: one ``INSERT ... BY NAME``; elsewhere, Arrow
        chunks of :attr:`CHUNK_ROWS` rows cast to the table's declared columns."""
        if self.in_warehouse:
            return self.duckdb.execute(f"INSERT INTO {name} BY NAME {sql}").fetchone()[0]
        schema = sch.Schema(declared_table(name).storage_schema()).to_pyarrow()
        written = 0
        for batch in self.duckdb.execute(sql).to_arrow_reader(self.CHUNK_ROWS):
            chunk = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
            if chunk.num_rows:
                self.warehouse.insert(name, chunk)
            written += chunk.num_rows
        return written


def declared_table(name: str) -> Table | DerivedTable:
    """The declaration of a warehouse table: canonical (``clearsight.schema.TABLES``) or derived
    (``clearsight.schema.derived.DERIVED_TABLES``); a ValueError naming the known ones otherwise."""
    found = TABLES.get(name) or DERIVED_TABLES.get(name)
    if found is None:
        raise ValueError(f"unknown table {name!r}; known tables: {', '.join([*TABLES, *DERIVED_TABLES])}")
    return found


def _delete_sql(name: str, selected: ir.Table) -> str:
    """DuckDB's ``DELETE FROM name WHERE ...`` of the rows a filter of table ``name`` selects."""
    query = sg.parse_one(ibis.to_sql(selected, dialect="duckdb"), read="duckdb")
    condition = query.args["where"].this
    for column in condition.find_all(sge.Column):
        column.set("table", None)
    return sge.delete(sg.table(name, quoted=True), where=condition).sql("duckdb")


def _duckdb_path(url: str) -> str:
    return url[len("duckdb://") :]


def holder_of(program: str, pid: int) -> str:
    """What the process ``pid`` is, for a person: ``clearsight serve``, ``clearsight ingest
    declarations``, or the program's name (``program``: DuckDB's path of its executable)."""
    try:
        argv = [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if a]
    except OSError:  # not Linux, or the process has ended
        argv = []
    names = [Path(a).name for a in argv]
    if "clearsight" not in names[:3]:  # the command's script, or `python -m clearsight`
        if len(argv) > 1 and not argv[1].startswith("-"):
            return names[1]  # python3.11 a_script.py: the script
        return names[0] if names else Path(program).name
    rest = argv[names.index("clearsight") + 1 :]
    while rest and rest[0].startswith("--home"):  # the one option before the command
        rest = rest[1:] if "=" in rest[0] else rest[2:]
    words = []
    for word in rest[:2]:
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(["clearsight", *words])


def _open_duckdb(
    path: str, wait_s: float, on_wait: Callable[[str], None] = _say, since: float | None = None
) -> BaseBackend:
    """The DuckDB file at ``path`` (memory when empty); while another process holds it, say once
    which one and try again until ``wait_s`` seconds after ``since`` (default: now), then raise
    :class:`WarehouseBusy`."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = (time.monotonic() if since is None else since) + max(wait_s, 0.0)
    pause, told = 0.02, None
    while True:
        try:
            return ibis.duckdb.connect(path or ":memory:")
        except Exception as exc:
            text = str(exc)
            if _LOCKED not in text:
                raise
            found = _HOLDER.search(text)
            holder = f"{holder_of(found['program'], int(found['pid']))} (PID {found['pid']})" if found else "another process"
            if time.monotonic() >= deadline:
                still = f"still in use by {holder} after {wait_s:g} s" if wait_s > 0 else f"in use by {holder}"
                raise WarehouseBusy(f"the warehouse {path} is {still}", holder) from None
            if told != holder:
                on_wait(f"the warehouse {path} is in use by {holder}; waiting up to {wait_s:g} s...")
                told = holder
        time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
        pause = min(pause * 2, _RETRY_S)


def spark_session(master: str = "local[2]", warehouse_dir: str | None = None, app_name: str = "clearsight"):
    """A Spark session tuned for one machine: UI off, UTC, few shuffle partitions."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", "2g")
    )
    if warehouse_dir:
        builder = builder.config("spark.sql.warehouse.dir", str(Path(warehouse_dir).resolve()))
    try:  # entity resolution's string similarities (Jaro-Winkler) are a jar inside Splink; a session
        # made without it cannot load it later, and every session in a process is the same one
        from splink.backends.spark import similarity_jar_location

        builder = builder.config("spark.jars", similarity_jar_location())
    except ImportError:
        pass
    return builder.getOrCreate()


def default_wait_s() -> float:
    """How long a command waits for a warehouse file another process holds: ``CLEARSIGHT_WAREHOUSE_WAIT_S``."""
    return Settings().warehouse_wait_s


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else urlparse(url).scheme


def connect(url: str, *, wait_s: float | None = None, on_wait: Callable[[str], None] = _say) -> Warehouse:
    """Connect to the warehouse at ``url`` and make sure the canonical tables exist.

    ``duckdb:///abs/path/file.duckdb`` or ``duckdb://relative.duckdb`` (a file), ``duckdb://`` (memory),
    ``pyspark://local[2]?warehouse_dir=PATH`` (Spark), or any other URL Ibis accepts. A DuckDB file
    another process holds is waited for (``wait_s``, default :func:`default_wait_s`), telling
    ``on_wait`` (stderr) once which process holds it; :class:`WarehouseBusy` when the wait runs out.
    """
    scheme = _scheme(url)
    try:
        if scheme == "duckdb":
            try:
                con = _open_duckdb(_duckdb_path(url), default_wait_s() if wait_s is None else wait_s, on_wait)
            except WarehouseBusy as exc:
                raise WarehouseBusy(
                    f"{exc}; try again when it is done, or wait longer with CLEARSIGHT_WAREHOUSE_WAIT_S", exc.holder
                ) from None
        elif scheme == "pyspark":
            # urlparse reads "local[2]" as an IPv6 host: take the part between :// and ? by hand.
            rest = url[len("pyspark://") :]
            master, _, query_text = rest.partition("?")
            query = parse_qs(query_text)
            master = master or "local[2]"
            session = spark_session(master, (query.get("warehouse_dir") or [None])[0])
            con = ibis.pyspark.connect(session)
        else:
            con = ibis.connect(url)
    except WarehouseBusy:
        raise
    except Exception as exc:  # the backend's own message is the useful part
        raise WarehouseError(f"cannot open warehouse {url!r}: {exc}") from exc
    warehouse = Warehouse(con, url)
    warehouse.ensure_tables()
    return warehouse


def open_shared(url: str, *, wait_s: float, on_wait: Callable[[str], None] = _say) -> Warehouse:
    """The warehouse for a long-running process that must not keep a DuckDB file to itself.

    For a DuckDB file: a shared :class:`Warehouse`. Each ``session()`` opens the file when first used
    and closes it at its end, so other processes (``clearsight ingest``, ``select``...) can use the file
    between sessions, and each session sees what they wrote. A session waits up to ``wait_s`` seconds
    for the file (then :class:`WarehouseBusy`). The canonical tables are made sure of once, now.
    Any other warehouse (memory, Spark, a server) is connected once and held, as :func:`connect` does.
    """
    if _scheme(url) != "duckdb" or not _duckdb_path(url):
        return connect(url, wait_s=wait_s, on_wait=on_wait)
    connect(url, wait_s=wait_s, on_wait=on_wait).close()
    return Warehouse(None, url, wait_s=wait_s, on_wait=on_wait)
