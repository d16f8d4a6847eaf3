"""Network features, point in time: hand-worked counts on a tiny planted world, no leakage from a
seizure or a result known after lodgement, resolved entities, and the critical-goods ranking and the
network ablation on a synthetic world with planted smuggling networks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from risk_planted import canonical, day, item

from clearsight.ingest.load import ingest_file
from clearsight.risk.engine import evaluate
from clearsight.risk.history import point_in_time
from clearsight.risk.network import NETWORK_COLUMNS, trader_graph

PARTIES = [  # IMA and IMB share a telephone (one community); IMC stands alone
    {"party_id": "IMA", "role": "importer", "name": "Acacia Foods", "phone": "+254 712 345 678"},
    {"party_id": "IMB", "role": "importer", "name": "Baobab Traders", "phone": "0712345678"},
    {"party_id": "IMC", "role": "importer", "name": "Cedar Ltd", "phone": "+254 799 000 111"},
    {"party_id": "DC1", "role": "declarant", "name": "Fast Clearing"},
]
DECLARATIONS = [
    item("D1", 1, 1, importer="IMB"),
    item("D2", 1, 8, importer="IMA"),
    item("D3", 1, 8, importer="IMC"),
    item("D4", 1, 30, importer="IMC", declarant_id="DC2"),
]
INSPECTIONS = [{"declaration_id": "D1", "item_no": 1, "inspected_at": day(2), "result": "critical"}]
SEIZURES = [{"seizure_id": "SZ1", "seized_on": day(3).date(), "party_ids": "IMB"}]


def planted(wh):
    wh.insert("parties", canonical("parties", PARTIES))
    wh.insert("declarations", canonical("declarations", DECLARATIONS))
    wh.insert("inspections", canonical("inspections", INSPECTIONS))
    wh.insert("seizures", canonical("seizures", SEIZURES))
    return wh


def network_rows(wh) -> dict[str, dict]:
    hist = point_in_time(wh, network=trader_graph(wh))
    return {r["declaration_id"]: r for r in hist.select(["declaration_id", *NETWORK_COLUMNS]).to_pylist()}


def test_network_counts_by_hand(duckdb_warehouse):
    rows = network_rows(planted(duckdb_warehouse))
    # D1 is the first item: nothing known before it, its own critical result and seizure come later.
    assert rows["D1"]["net_entity_critical"] == 0 and rows["D1"]["net_entity_seizures"] == 0
    # IMA shares IMB's telephone: IMB's critical result (day 2) and seizure (known day 4) reach it.
    a = rows["D2"]
    assert (a["net_entity_n"], a["net_entity_seizures"]) == (0, 0)
    assert (a["net_community_critical"], a["net_community_seizures"], a["net_community_size"]) == (1, 1, 2)
    # IMC shares nothing, but its declarant DC1 lodged for IMB before: the broker's clients.
    c = rows["D3"]
    assert (c["net_community_seizures"], c["net_community_size"]) == (0, 1)
    assert (c["net_broker_clients_critical"], c["net_broker_clients_seizures"]) == (1, 1)
    assert c["net_declarant_entities"] == 1  # IMB (day 1); IMA's link is made at the same instant: not before
    assert rows["D4"]["net_importer_declarants"] == 1  # DC1 before; DC2 only from this item
    assert rows["D4"]["net_declarant_entities"] == 0 and rows["D4"]["net_broker_clients_seizures"] == 0


def test_later_seizure_and_result_change_nothing_known_before(duckdb_warehouse):
    wh = planted(duckdb_warehouse)
    before = network_rows(wh)
    # A seizure naming IMA made on the day D2 was lodged, and D2's own critical result.
    wh.insert(
        "seizures",
        canonical("seizures", [{"seizure_id": "SZ2", "seized_on": day(8).date(), "party_ids": "IMA"}]),
    )
    wh.insert(
        "inspections",
        canonical(
            "inspections",
            [{"declaration_id": "D2", "item_no": 1, "inspected_at": day(9), "result": "critical"}],
        ),
    )
    after = network_rows(wh)
    for decl in ("D1", "D2", "D3"):
        assert after[decl] == before[decl], decl
    assert after["D4"]["net_broker_clients_seizures"] == before["D4"]["net_broker_clients_seizures"]
    # ... while an item lodged later sees them: IMA's community gained a seizure and a critical result.
    wh.insert("declarations", canonical("declarations", [item("D5", 1, 40, importer="IMB")]))
    late = network_rows(wh)["D5"]
    assert (late["net_community_seizures"], late["net_community_critical"]) == (2, 2)


def test_resolved_entities_pool_the_history_of_every_id(duckdb_warehouse):
    wh = planted(duckdb_warehouse)
    assert not trader_graph(wh).resolved
    assert network_rows(wh)["D3"]["net_entity_seizures"] == 0
    clusters = pa.table(
        {
            "record_id": ["party:IMB", "party:IMC"],
            "entity_id": ["party:IMB", "party:IMB"],
            "entity_size": [2, 2],
            "resolved_at": [dt.datetime(2024, 1, 1)] * 2,
        }
    )
    wh.create_table("entity_clusters", clusters, overwrite=True)
    graph = trader_graph(wh)
    assert graph.resolved and "resolved entities" in graph.basis
    d3 = network_rows(wh)["D3"]  # IMC is IMB under another id: IMB's critical result and seizure count
    assert (d3["net_entity_n"], d3["net_entity_critical"], d3["net_entity_seizures"]) == (1, 1, 1)


@pytest.fixture(scope="module")
def networks_world(tmp_path_factory):
    """A synthetic world with smuggling networks (1 % of items hide prohibited goods), ingested."""
    from clearsight.core.warehouse import connect
    from clearsight.synth import generate_world, write_world

    out = tmp_path_factory.mktemp("networks-world")
    write_world(generate_world(items=15_000, seed=11, critical_rate=0.01), out, "csv")
    wh = connect(f"duckdb://{out / 'warehouse.duckdb'}")
    for table in ("parties", "declarations", "inspections", "seizures", "seizure_parties"):
        if (out / f"{table}.csv").exists():
            ingest_file(wh, table, out / f"{table}.csv")
    yield wh, out
    wh.close()


def test_critical_ranking_and_network_ablation(networks_world):
    wh, world = networks_world
    ev = evaluate(wh, dt.datetime(2024, 5, 1), world_dir=world)
    data = ev.to_json_dict()
    net = data["ablation"]["network"]
    assert set(net) == {"entities", "features", "without", "with"} and "party ids" in net["entities"]
    assert net["without"]["model"] == data["metrics"] and set(net["with"]) == {"model", "lanes"}
    assert data["lanes"]["critical_weight"] == 10.0 and "P(critical)" in data["lanes"]["ranking"]
    truth = data["ground_truth"]
    assert truth["n_critical"] >= 30
    random = truth["metrics"]["random"]["critical_recall_at"]["10"]
    lanes = truth["lanes"]["metrics"]
    critical = truth["lanes"]["critical_model"]["critical_recall_at"]["10"]
    assert critical > max(2 * random, 0.25)  # the critical-goods model finds prohibited goods
    assert lanes["critical_recall_at"]["10"] >= 3 * max(random, 0.1)
    fraud_only = truth["metrics"]["model"]["precision_at"]["10"]
    assert lanes["precision_at"]["10"] >= fraud_only - 0.02  # security gained without losing the hit rate
    assert np.isfinite(net["with"]["lanes"]["precision_at"]["10"])
