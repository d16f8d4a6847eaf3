"""Shared fixtures. Engines that may be missing on a user's machine (Java for Spark, PostgreSQL) are
skipped with a stated reason, except under CLEARSIGHT_REQUIRE_ALL=1 (CI), where a skip is a failure."""

from __future__ import annotations

import shutil

import pytest

from clearsight.core.warehouse import Warehouse, connect
from engines import java_available, skip_or_fail


@pytest.fixture
def duckdb_warehouse(tmp_path) -> Warehouse:
    """A fresh DuckDB warehouse file in a temp folder."""
    wh = connect(f"duckdb://{tmp_path / 'warehouse.duckdb'}")
    yield wh
    wh.close()


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory):
    """One local Spark session (local[2], UI off, warehouse dir in a temp folder) for the whole run."""
    if not java_available():
        skip_or_fail("Java is not installed, so PySpark cannot start")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_or_fail("pyspark is not installed (pip install 'clearsight[spark]')")
    from clearsight.core.warehouse import spark_session as make_session

    session = make_session("local[2]", str(tmp_path_factory.mktemp("spark-warehouse")))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def spark_warehouse(spark_session) -> Warehouse:
    """A Spark warehouse with empty canonical tables (tables are dropped first, so each test starts clean)."""
    import ibis

    con = ibis.pyspark.connect(spark_session)
    for name in con.list_tables():
        con.drop_table(name, force=True)
    wh = Warehouse(con, "pyspark://local[2]")
    wh.ensure_tables()
    return wh


@pytest.fixture(scope="session")
def synthetic_world_dir(tmp_path_factory):
    """A small synthetic customs world (12,000 items, seed 7) written as CSV, shared by the whole run."""
    from clearsight.synth import generate_world, write_world

    out = tmp_path_factory.mktemp("synthetic-world")
    write_world(generate_world(items=12_000, seed=7), out, "csv")
    return out


@pytest.fixture(scope="session")
def synthetic_warehouse_file(synthetic_world_dir, tmp_path_factory):
    """A DuckDB warehouse file holding the synthetic world, ingested through the real quality gate.

    Tests that write must copy it (see ``synthetic_warehouse``); tests that only read may open it.
    """
    from clearsight.ingest.load import ingest_file

    path = tmp_path_factory.mktemp("synthetic-warehouse") / "warehouse.duckdb"
    wh = connect(f"duckdb://{path}")
    for table in ("parties", "declarations", "inspections", "events", "trade_flows", "seizures"):
        source = synthetic_world_dir / f"{table}.csv"
        if source.exists():
            result = ingest_file(wh, table, source)
            assert result.rows_in == result.accepted + result.quarantined
    wh.close()
    return path


@pytest.fixture
def synthetic_warehouse(synthetic_warehouse_file, tmp_path) -> Warehouse:
    """A private copy of the synthetic warehouse, safe to write to."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(synthetic_warehouse_file, copy)
    wh = connect(f"duckdb://{copy}")
    yield wh
    wh.close()
