"""Shared fixtures. Engines that may be missing on a user's machine (Java for Spark, PostgreSQL) are
skipped with a stated reason, except under CLEARSIGHT_REQUIRE_ALL=1 (CI), where a skip is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from clearsight.warehouse import Warehouse, connect

REQUIRE_ALL = os.environ.get("CLEARSIGHT_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a user's machine; fail under CLEARSIGHT_REQUIRE_ALL=1."""
    if REQUIRE_ALL:
        pytest.fail(f"required engine missing (CLEARSIGHT_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


def java_available() -> bool:
    java = shutil.which("java")
    if not java:
        return False
    return subprocess.run([java, "-version"], capture_output=True).returncode == 0


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
    from clearsight.warehouse import spark_session as make_session

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
