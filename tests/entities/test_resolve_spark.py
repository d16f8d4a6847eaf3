"""Entity resolution on Spark: the same pairs (match probabilities within 1e-6) and the same entities as
on DuckDB, on a tiny synthetic world's register and seizure parties (152 records, planted duplicates)."""

from __future__ import annotations

import pytest

from clearsight.core.warehouse import connect
from clearsight.entities import normalised, resolve_records, warehouse_records
from clearsight.ingest.load import ingest_file
from clearsight.synth import generate_world, write_world


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    base = tmp_path_factory.mktemp("entities-spark")
    write_world(generate_world(items=2_000, seed=7), base / "world", "csv")
    wh = connect(f"duckdb://{base / 'warehouse.duckdb'}")
    try:
        for table in ("parties", "seizures", "seizure_parties"):
            ingest_file(wh, table, base / "world" / f"{table}.csv")
        return normalised(warehouse_records(wh))
    finally:
        wh.close()


def _pairs(resolution) -> dict[tuple[str, str], tuple[float, str]]:
    rows = resolution.pairs.to_pylist()
    return {(r["left_id"], r["right_id"]): (r["match_probability"], r["status"]) for r in rows}


def _entities(resolution) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for r in resolution.clusters.to_pylist():
        groups.setdefault(r["entity_id"], set()).add(r["record_id"])
    return {frozenset(g) for g in groups.values()}


def test_resolution_on_spark_matches_duckdb(spark_session, records):
    on_duckdb = resolve_records(records, backend="duckdb")
    on_spark = resolve_records(records, backend="spark")
    assert (on_duckdb.backend, on_spark.backend) == ("duckdb", "spark")
    assert on_duckdb.multi_record_entities > 5, "the world plants duplicates: there is something to match"
    duck, spark = _pairs(on_duckdb), _pairs(on_spark)
    assert spark.keys() == duck.keys()
    for key, (p, status) in duck.items():
        other_p, other_status = spark[key]
        assert other_status == status, key
        if p is None:
            assert other_p is None, key
        else:
            assert other_p == pytest.approx(p, abs=1e-6), key
    assert _entities(on_spark) == _entities(on_duckdb)
    # the counts, thresholds and entity sizes; not which engine ran them, nor how fast
    same = {"backend": "", "seconds": 0}
    assert on_spark.summary() | same == on_duckdb.summary() | same
