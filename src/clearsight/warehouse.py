"""The analytical warehouse: one Ibis connection, DuckDB by default, Spark (or another backend) by URL.

Every analytical query in clearsight is an Ibis expression over the canonical tables, so the same
code runs on a laptop's DuckDB file and on a Spark cluster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import ibis
import ibis.expr.schema as sch
import pyarrow as pa
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends import BaseBackend

from clearsight.schema import TABLES, get_table


class WarehouseError(RuntimeError):
    """The warehouse URL cannot be used."""


class Warehouse:
    """A connected warehouse with the canonical tables."""

    def __init__(self, con: BaseBackend, url: str) -> None:
        self.con = con
        self.url = url

    @property
    def kind(self) -> str:
        return self.con.name

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
        disconnect = getattr(self.con, "disconnect", None)
        if disconnect is not None:
            disconnect()


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


def connect(url: str) -> Warehouse:
    """Connect to the warehouse at ``url`` and make sure the canonical tables exist.

    ``duckdb:///abs/path/file.duckdb`` or ``duckdb://relative.duckdb`` (a file), ``duckdb://`` (memory),
    ``pyspark://local[2]?warehouse_dir=PATH`` (Spark), or any other URL Ibis accepts.
    """
    scheme = url.split("://", 1)[0] if "://" in url else urlparse(url).scheme
    try:
        if scheme == "duckdb":
            path = url[len("duckdb://") :]
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            con = ibis.duckdb.connect(path or ":memory:")
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
    except Exception as exc:  # the backend's own message is the useful part
        raise WarehouseError(f"cannot open warehouse {url!r}: {exc}") from exc
    warehouse = Warehouse(con, url)
    warehouse.ensure_tables()
    return warehouse
