"""Drift on Spark: the same weeks, bins and warnings as on DuckDB (numeric deciles are approximate on
both engines, so their PSI may differ a little)."""

from __future__ import annotations

import pytest
from drift_planted import copy, planted_file, train_model

from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.risk.drift import compute_drift

EXACT = {"hs2", "country_of_origin", "mode_of_transport", "importer_prior_items", "importer_fraud_rate"}


def test_drift_on_spark_matches_duckdb(spark_warehouse, tmp_path_factory, tmp_path):
    source = copy(planted_file(tmp_path_factory), tmp_path / "home" / "warehouse.duckdb")
    settings = Settings(home=tmp_path / "home")
    try:
        train_model(source, Workspace(settings).models_dir)  # a training window: the history features are compared too
        for table in ("declarations", "inspections"):
            spark_warehouse.replace(table, source.table(table).to_pyarrow())
        on_duckdb = compute_drift(source, settings, scores=False)
    finally:
        source.close()
    on_spark = compute_drift(spark_warehouse, settings, scores=False)
    assert on_spark.engine == "pyspark" and on_duckdb.engine == "duckdb"
    assert on_spark.weeks == on_duckdb.weeks and on_spark.week_items == on_duckdb.week_items
    assert on_spark.reference_items == on_duckdb.reference_items
    spark = {f.name: f for f in on_spark.features}
    for f in on_duckdb.features:
        other = spark[f.name]
        if f.name in EXACT:
            assert other.bins == f.bins and other.reference == f.reference and other.weeks == f.weeks, f.name
            assert other.psi == pytest.approx(f.psi), f.name
        else:
            assert other.psi == pytest.approx(f.psi, abs=0.08), f.name
    assert [w.split(":")[0] for w in on_spark.warnings()] == [w.split(":")[0] for w in on_duckdb.warnings()]
