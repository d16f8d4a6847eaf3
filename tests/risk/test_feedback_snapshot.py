"""Feedback: an inspection result recorded after the scorer loaded its history counts at once, exactly as
a reload would count it, and never twice."""

from __future__ import annotations

import datetime as dt

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from clearsight.core.warehouse import Warehouse
from clearsight.risk.history import label_columns
from clearsight.risk.snapshot import Snapshot, prepare_items
from portal_live import OFFICE, start_portal, token, trained_home, workspace

LABEL_COLUMNS = label_columns()


def _open_item(wh: Warehouse, office: str | None = None) -> dict:
    """An uninspected item whose importer already has inspection results."""
    d, i = wh.table("declarations"), wh.table("inspections")
    inspected = d.semi_join(i, ["declaration_id", "item_no"]).select("importer_id").distinct()
    open_items = d.anti_join(i, ["declaration_id", "item_no"]).semi_join(inspected, "importer_id")
    if office is not None:
        open_items = open_items.filter(open_items.office_id == office)
    return open_items.order_by(["declaration_id", "item_no"]).limit(1).to_pyarrow().to_pylist()[0]


def _fraud(wh: Warehouse, item: dict, revenue: float) -> None:
    row = {
        "declaration_id": item["declaration_id"],
        "item_no": item["item_no"],
        "lane": "red",
        "method": "physical",
        "inspected_at": dt.datetime(2025, 1, 10),
        "result": "fraud",
        "fraud_type": "valuation",
        "additional_revenue": revenue,
        "officer_id": "test",
        "batch_id": "feedback-test",
        "quality_flags": None,
    }
    wh.insert(
        "inspections", pa.Table.from_pylist([row], schema=wh.table("inspections").schema().to_pyarrow())
    )


def _sample(wh: Warehouse, importer: str) -> pa.Table:
    """Items to look up: the importer's and a spread of others (every office, HS6, origin...)."""
    d = wh.table("declarations")
    mine = d.filter(d.importer_id == importer).drop("batch_id", "quality_flags").to_pyarrow()
    others = d.order_by("declaration_id").limit(400).drop("batch_id", "quality_flags").to_pyarrow()
    items, _ = prepare_items(pa.concat_tables([mine, others.cast(mine.schema)]))
    return items


def test_a_recorded_result_counts_like_a_reload(synthetic_warehouse):
    wh = synthetic_warehouse
    snapshot = Snapshot(wh)
    item = _open_item(wh)
    items = _sample(wh, item["importer_id"])
    before = snapshot.history(items)
    _fraud(wh, item, revenue=5_000.0)
    assert snapshot.record_items(wh, [(item["declaration_id"], item["item_no"])]) == 1
    after = snapshot.history(items)
    reloaded = Snapshot(wh).history(items)
    for column in LABEL_COLUMNS:
        assert after[column].equals(reloaded[column]), column
    mine = pc.equal(items["importer_id"], item["importer_id"])
    n0 = pc.max(before.filter(mine)["hist_n_importer"]).as_py()
    f0 = pc.max(before.filter(mine)["hist_fraud_importer"]).as_py()
    r0 = pc.max(before.filter(mine)["hist_revenue_importer"]).as_py()
    assert pc.unique(after.filter(mine)["hist_n_importer"]).to_pylist() == [n0 + 1]
    assert pc.unique(after.filter(mine)["hist_fraud_importer"]).to_pylist() == [f0 + 1]
    assert pc.max(after.filter(mine)["hist_revenue_importer"]).as_py() == pytest.approx(r0 + 5_000.0)
    # Never twice: not by this snapshot, nor by one that loaded after the result was saved.
    assert snapshot.record_items(wh, [(item["declaration_id"], item["item_no"])]) == 0
    assert Snapshot(wh).record_items(wh, [(item["declaration_id"], item["item_no"])]) == 0
    assert snapshot.history(items)["hist_n_importer"].equals(after["hist_n_importer"])


def test_a_snapshot_as_of_a_date_ignores_later_labels(synthetic_warehouse):
    wh = synthetic_warehouse
    snapshot = Snapshot(wh, as_of=dt.datetime(2024, 6, 1))
    item = _open_item(wh)
    _fraud(wh, item, revenue=1.0)  # known on 2025-01-10 (or at lodgement, if later)
    assert snapshot.record_items(wh, [(item["declaration_id"], item["item_no"])]) == 0
    assert snapshot.record_items(wh, []) == 0


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory, synthetic_warehouse_file):
    settings = workspace(
        trained_home(tmp_path_factory, synthetic_warehouse_file), tmp_path_factory.mktemp("feedback")
    )
    server, _ = start_portal(settings)
    yield server
    server.stop()


def test_the_portal_scores_the_importers_next_declaration_with_the_new_result(portal_server):
    url = portal_server.url
    officer = {"Authorization": f"Bearer {token(url, 'officer')}"}
    with portal_server.portal.warehouse() as wh:
        item = _open_item(wh, OFFICE)
    declaration = {
        "declaration_id": "FEEDBACK-NEXT-1",
        "office_id": OFFICE,
        "declarant_id": item["declarant_id"],
        "importer_id": item["importer_id"],
        "lodged_at": "2025-02-01T09:00:00",
        "items": [
            {
                "item_no": 1,
                "hs_code": item["hs_code"],
                "country_of_origin": item["country_of_origin"],
                "customs_value": 20_000.0,
                "net_mass_kg": 500.0,
                "duty_rate": 10.0,
            }
        ],
    }
    service = {"Authorization": f"Bearer {token(url, 'service')}"}
    first = httpx.post(f"{url}/api/v1/score", json=declaration, headers=service)
    assert first.status_code == 200, first.text
    scorer = portal_server.portal.scoring.scorer()
    rows, _ = prepare_items(
        pa.Table.from_pylist([{**declaration, **declaration["items"][0]}]).drop(["items"])
    )
    n0 = scorer.snapshot.history(rows)["hist_fraud_importer"][0].as_py()
    body = {
        "declaration_id": item["declaration_id"],
        "item_no": item["item_no"],
        "result": "fraud",
        "additional_revenue": 8_000.0,
    }
    recorded = httpx.post(f"{url}/api/v1/inspections", json=body, headers=officer)
    assert recorded.status_code == 201, recorded.text
    assert portal_server.portal.scoring.scorer() is scorer, "no reload: the result was folded in"
    assert scorer.snapshot.history(rows)["hist_fraud_importer"][0].as_py() == n0 + 1
    second = httpx.post(f"{url}/api/v1/score", json=declaration, headers=service)
    p0 = first.json()["items"][0]["fraud_probability"]
    p1 = second.json()["items"][0]["fraud_probability"]
    assert p1 != p0
