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
from typing import Any
from urllib.parse import parse_qs, urlparse

import ibis
import ibis.expr.schema as sch
import pyarrow as pa
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends import BaseBackend

from clearsight.core.settings import Settings
from clearsight.schema import TABLES, get_table

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
    def con(self) -> BaseBackend:
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
        return "duckdb" if self.shared else self.con.name

    @property
    def is_duckdb(self) -> bool:
        return self.kind == "duckdb"

    def has_table(self, name: str) -> bool:
        return name in self.con.list_tables()

    def ensure_tables(self) -> None:
        """Create every canonical table that does not exist yet (empty), and give an existing one the
        columns it lacks (a warehouse made by an earlier version of clearsight; empty for old rows)."""
        existing = set(self.con.list_tables())
        for name, table in TABLES.items():
            if name not in existing:
                self.con.create_table(name, schema=sch.Schema(table.storage_schema()))
            else:
                self._add_missing_columns(name, table.storage_schema())

    def _add_missing_columns(self, name: str, columns: dict[str, str]) -> None:
        have = set(self.con.get_schema(name).names)
        for column, dtype in columns.items():
            if column not in have:
                kind = self.con.compiler.type_mapper.from_ibis(ibis.dtype(dtype))
                add = sge.ColumnDef(this=sg.to_identifier(column, quoted=True), kind=kind)
                alter = sge.Alter(this=sg.table(name, quoted=True), kind="TABLE", actions=[add])
                self.con.raw_sql(alter.sql(self.con.dialect))

    def table(self, name: str) -> ibis.Table:
        get_table(name)  # a clear error for unknown names
        if not self.has_table(name):
            self.ensure_tables()
        return self.con.table(name)

    def insert(self, name: str, data: Any) -> None:
        """Append rows (a PyArrow table, a DataFrame or an Ibis expression) to a canonical table."""
        if self.kind == "pyspark" and isinstance(data, pa.Table):
            self._spark_write(name, data, overwrite=False)
        else:
            self.con.insert(name, data)

    def replace(self, name: str, data: Any) -> None:
        """Replace a table's content (used to load a copy of another warehouse, e.g. in tests)."""
        if self.kind == "pyspark" and isinstance(data, pa.Table) and self.has_table(name):
            self._spark_write(name, data, overwrite=True)
        else:
            self.con.create_table(name, data, overwrite=True)

    def _spark_write(self, name: str, data: pa.Table, overwrite: bool) -> None:
        """Arrow straight into Spark: Ibis's pandas route would turn NULL text into the string 'NaN'."""
        columns = self.con.table(name).columns
        frame = self.con._session.createDataFrame(data.select(columns))
        frame.write.insertInto(name, overwrite=overwrite)

    def close(self) -> None:
        con, self._con = self._con, (None if self.shared else self._con)
        disconnect = getattr(con, "disconnect", None)
        if disconnect is not None:
            disconnect()


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
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", "2g")
    )
    if warehouse_dir:
        builder = builder.config("spark.sql.warehouse.dir", str(Path(warehouse_dir).resolve()))
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
