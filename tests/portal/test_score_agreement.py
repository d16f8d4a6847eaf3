"""The scoring API gives each item exactly what batch scoring of the same items gives."""

from __future__ import annotations

import datetime as dt

import httpx
import pyarrow as pa

from clearsight.portal.schemas import DeclarationIn, ItemIn

HEADER = [f for f in DeclarationIn.model_fields if f != "items"]
ITEM = list(ItemIn.model_fields)


def _payloads(rows: list[dict]) -> list[dict]:
    """API bodies for warehouse rows: one per declaration, its header once and its items."""
    out: dict[str, dict] = {}
    for row in rows:
        decl = out.setdefault(row["declaration_id"], {f: row[f] for f in HEADER if row.get(f) is not None})
        decl.setdefault("items", []).append({f: row[f] for f in ITEM if row.get(f) is not None})
    for decl in out.values():
        decl["lodged_at"] = decl["lodged_at"].isoformat()
    return list(out.values())


def test_api_scores_equal_batch_scores(live):
    with live.portal.warehouse() as wh:
        d = wh.table("declarations")
        multi = d.group_by("declaration_id").aggregate(n=d.count()).filter(lambda t: t.n >= 2)
        ids = multi.order_by("declaration_id").limit(3).to_pyarrow()["declaration_id"].to_pylist()
        ids += d.order_by(d.lodged_at.desc()).select("declaration_id").limit(3).to_pyarrow()["declaration_id"].to_pylist()
        rows = d.filter(d.declaration_id.isin(ids)).order_by(["declaration_id", "item_no"]).to_pyarrow().to_pylist()
    payloads = _payloads(rows)
    assert len(payloads) >= 4 and any(len(p["items"]) > 1 for p in payloads)
    payloads[0].pop("seller_id", None)  # history keys with a NULL part
    several = next(p for p in payloads if len(p["items"]) > 1)
    several["items"][0].pop("net_mass_kg", None)  # a field some items give and others do not

    key = {"X-API-Key": live.extra["service_key"]}
    api = {}
    for body in payloads:
        r = httpx.post(f"{live.url}/api/v1/score", json=body, headers=key)
        assert r.status_code == 200, r.text
        for item in r.json()["items"]:
            api[(body["declaration_id"], item["item_no"])] = item

    # The same items scored in one batch by the server's own scorer (its model and history snapshot).
    batch_rows = [{**{k: v for k, v in b.items() if k != "items"}, **i} for b in payloads for i in b["items"]]
    names = dict.fromkeys(k for r in batch_rows for k in r)
    table = pa.table({k: [r.get(k) for r in batch_rows] for k in names})
    table = table.set_column(table.schema.get_field_index("lodged_at"), "lodged_at",
                             pa.array([dt.datetime.fromisoformat(t) for t in table["lodged_at"].to_pylist()]))
    batch = live.portal.scoring.scorer().score(table).to_pylist()
    assert len(batch) == len(api) == len(rows)
    for b in batch:
        got = api[(b["declaration_id"], b["item_no"])]
        assert (got["score"], got["fraud_probability"], got["expected_revenue"]) == (
            b["score"], b["fraud_probability"], b["expected_revenue"]
        )
        assert got["reasons"] == b["reasons"]
