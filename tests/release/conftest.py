"""Fixtures of the release tests: the planted event log (release_planted.py) and a private copy of the
shared synthetic warehouse, opened once per module."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pytest
from release_planted import load, planted_tables

from clearsight.core.warehouse import Warehouse, connect


@pytest.fixture(scope="session")
def planted() -> dict[str, pa.Table]:
    return planted_tables()


@pytest.fixture
def planted_duckdb(duckdb_warehouse: Warehouse, planted: dict[str, pa.Table]) -> Warehouse:
    load(duckdb_warehouse, planted)
    return duckdb_warehouse


@pytest.fixture(scope="module")
def synthetic_copy(synthetic_warehouse_file, tmp_path_factory) -> Warehouse:
    """The synthetic world's warehouse (12,000 items), a copy this module may read and cache in."""
    path = tmp_path_factory.mktemp("release-synthetic") / "warehouse.duckdb"
    shutil.copyfile(synthetic_warehouse_file, path)
    wh = connect(f"duckdb://{path}")
    yield wh
    wh.close()
