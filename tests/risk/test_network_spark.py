"""Network features on Spark: the same value per item and feature as on DuckDB, for the tiny planted
world of test_network (communities, a broker's clients, a seizure, critical results) with entities
resolved, so that every family of the network features has something to count."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from risk_planted import canonical, day, item
from test_network import planted

from clearsight.risk.history import point_in_time
from clearsight.risk.network import NETWORK_COLUMNS, trader_graph

CLUSTERS = pa.table(  # IMC is IMB under another id
    {
        "record_id": ["party:IMB", "party:IMC"],
        "entity_id": ["party:IMB", "party:IMB"],
        "entity_size": [2, 2],
        "resolved_at": [dt.datetime(2024, 1, 1)] * 2,
    }
)


def _features(wh) -> dict[tuple[str, int], dict]:
    planted(wh)
    wh.insert("declarations", canonical("declarations", [item("D5", 1, 40, importer="IMA")]))
    wh.insert(
        "inspections",
        canonical(
            "inspections", [{"declaration_id": "D3", "item_no": 1, "inspected_at": day(9), "result": "fraud"}]
        ),
    )
    wh.insert(
        "seizures",
        canonical("seizures", [{"seizure_id": "SZ2", "seized_on": day(8).date(), "party_ids": "IMA"}]),
    )
    wh.create_table("entity_clusters", CLUSTERS, overwrite=True)
    graph = trader_graph(wh)
    assert graph.resolved
    rows = (
        point_in_time(wh, network=graph).select(["declaration_id", "item_no", *NETWORK_COLUMNS]).to_pylist()
    )
    return {(r["declaration_id"], r["item_no"]): r for r in rows}


def test_network_features_on_spark_match_duckdb(duckdb_warehouse, spark_warehouse):
    on_duckdb, on_spark = _features(duckdb_warehouse), _features(spark_warehouse)
    assert on_spark.keys() == on_duckdb.keys() and len(on_duckdb) == 5
    assert any(r["net_entity_seizures"] for r in on_duckdb.values()), "the entity family counts something"
    assert any(r["net_broker_clients_critical"] for r in on_duckdb.values())
    for key, row in on_duckdb.items():
        for column in NETWORK_COLUMNS:
            expected, got = row[column], on_spark[key][column]
            if expected is None:
                assert got is None, (key, column)
            else:
                assert got == pytest.approx(expected, abs=1e-9), (key, column)
