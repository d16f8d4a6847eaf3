"""Fixtures of the quality tests: the planted tables (see quality_planted.py) loaded into DuckDB."""

from __future__ import annotations

import pyarrow as pa
import pytest
from quality_planted import load_duckdb, planted_tables

from clearsight.core.warehouse import Warehouse


@pytest.fixture(scope="session")
def planted() -> dict[str, pa.Table]:
    return planted_tables()


@pytest.fixture
def planted_duckdb(duckdb_warehouse: Warehouse, planted: dict[str, pa.Table]) -> Warehouse:
    load_duckdb(duckdb_warehouse, planted)
    return duckdb_warehouse
