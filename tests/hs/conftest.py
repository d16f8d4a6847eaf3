"""Fixtures of the HS tests: a workspace holding the synthetic warehouse, and its ground truth."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from clearsight.hs.retrieval import nomenclature_retriever


@pytest.fixture(scope="session")
def retriever():
    return nomenclature_retriever()


@pytest.fixture
def synthetic_home(synthetic_warehouse_file, tmp_path):
    """A workspace whose warehouse is a copy of the synthetic one (12,000 items)."""
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    shutil.copyfile(synthetic_warehouse_file, home / "warehouse.duckdb")
    return home


@pytest.fixture(scope="session")
def ground_truth(synthetic_world_dir) -> pa.Table:
    """The true codes and fraud types of the synthetic items (tests only, never the product)."""
    opts = pacsv.ConvertOptions(column_types={"true_hs_code": pa.string(), "declaration_id": pa.string()})
    return pacsv.read_csv(synthetic_world_dir / "ground_truth.csv", convert_options=opts)
