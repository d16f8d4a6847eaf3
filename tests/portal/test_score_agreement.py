"""The scoring API gives each item exactly what batch scoring of the same items gives, alone or with\nother requests."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pyarrow as pa
import pytest

from clearsight.portal.schemas import DeclarationIn, ItemIn
from clearsight.portal.scoring import ScoringService, canonical_columns, canonical_rows, score_declaration

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


@pytest.fixture
def payloads(live) -> list[dict]:
    """API bodies of a few warehouse declarations, some of several items."""
    with live.portal.warehouse() as wh:
        d = wh.table("declarations")
        multi = d.group_by("declaration_id").aggregate(n=d.count()).filter(lambda t: t.n >= 2)
        ids = multi.order_by("declaration_id").limit(3).to_pyarrow()["declaration_id"].to_pylist()
        ids += d.order_by(d.lodged_at.desc()).select("declaration_id").limit(3).to_pyarrow()["declaration_id"].to_pylist()
        rows = d.filter(d.declaration_id.isin(ids)).order_by(["declaration_id", "item_no"]).to_pyarrow().to_pylist()
    out = _payloads(rows)
    assert len(out) >= 4 and any(len(p["items"]) > 1 for p in out)
    out[0].pop("seller_id", None)  # history keys with a NULL part
    several = next(p for p in out if len(p["items"]) > 1)
    several["items"][0].pop("net_mass_kg", None)  # a field some items give and others do not
    return out


def test_api_scores_equal_batch_scores(live, payloads):
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
    assert len(batch) == len(api) == sum(len(p["items"]) for p in payloads)
    for b in batch:
        got = api[(b["declaration_id"], b["item_no"])]
        assert (got["score"], got["fraud_probability"], got["expected_revenue"]) == (
            b["score"], b["fraud_probability"], b["expected_revenue"]
        )
        assert got["reasons"] == b["reasons"]


def test_declarations_scored_together_get_what_each_gets_alone(live, payloads):
    """Requests waiting at the same moment share one scorer call; each still gets its own results."""
    service = ScoringService(live.portal.settings, live.portal.warehouse, live.portal.store)
    declarations = [DeclarationIn.model_validate(p) for p in payloads]
    # The same declaration sent again with other values: never scored in the same call as the first.
    again = {**payloads[1], "items": [{**i, "customs_value": i["customs_value"] * 3} for i in payloads[1]["items"]]}
    declarations.append(DeclarationIn.model_validate(again))
    alone = [service.score(canonical_rows(d)) for d in declarations]

    async def together() -> list:
        return await asyncio.gather(*(score_declaration(service, d) for d in declarations))

    got = asyncio.run(together())
    assert got == alone
    assert {r.model_version for results in got for r in results} == {"portal-test-model"}
    assert alone[1] != alone[-1]  # the resent declaration's values do change its results


def test_a_declaration_without_lodgement_time_is_lodged_now(payloads):
    body = {k: v for k, v in payloads[0].items() if k != "lodged_at"}
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    lodged = canonical_columns(DeclarationIn.model_validate(body))["lodged_at"]
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert len(lodged) == len(body["items"]) and len(set(lodged)) == 1
    # Stamped between the two readings of the clock, to the second: no bound on how long it took.
    assert before <= lodged[0] <= after and lodged[0].microsecond == 0
