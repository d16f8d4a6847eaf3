"""Fixtures of the forecast tests: the planted history in a DuckDB warehouse, forecast once per module."""

from __future__ import annotations

import pytest
from planted import planted_declarations

from clearsight.core.warehouse import Warehouse, connect
from clearsight.forecast import ForecastOptions, ModelOptions


@pytest.fixture(scope="module")
def planted_warehouse(tmp_path_factory) -> Warehouse:
    wh = connect(f"duckdb://{tmp_path_factory.mktemp('forecast') / 'warehouse.duckdb'}")
    wh.insert("declarations", planted_declarations())
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def options() -> ForecastOptions:
    return ForecastOptions(measures=("duty",), min_share=0.0, models=ModelOptions(horizon=6))
