"""Trader pages and audit candidates over HTTP on the seed-7 world (planted traders under several ids,
seizure parties known by name only): what each page holds, the redirect from a trader id, an officer's
offices only, the audit log."""

from __future__ import annotations

import httpx
import pytest

from clearsight.access import audit
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.entities import entity_map, resolve_warehouse
from clearsight.ingest.load import ingest_file
from clearsight.synth import generate_world, write_world
from portal_live import OFFICE, start_portal, token

TABLES = ("parties", "declarations", "inspections", "seizures", "seizure_parties")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The portal on a resolved seed-7 world, and the world's planted identities."""
    home = tmp_path_factory.mktemp("traders-home")
    world = generate_world(items=20_000, seed=7)
    write_world(world, home / "demo-world", "csv")
    settings = Settings(home=home)
    wh = Workspace(settings).open_warehouse()
    try:
        for table in TABLES:
            ingest_file(wh, table, home / "demo-world" / f"{table}.csv")
        resolve_warehouse(wh)
        entities = entity_map(wh)
    finally:
        wh.close()
    server, _ = start_portal(settings)
    yield {
        "url": server.url,
        "server": server,
        "identities": world.params["identities"],
        "entities": entities,
    }
    server.stop()


def _get(site, path: str, caller: str, **params) -> httpx.Response:
    return httpx.get(
        f"{site['url']}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token(site['url'], caller)}"},
    )


def _multi_id(site) -> tuple[str, list[str]]:
    """A planted company under several ids, with a seizure record, and its entity."""
    for first, others in site["identities"]["multi_id"].items():
        entity = site["entities"][f"party:{first}"]
        if all(site["entities"][f"party:{o}"] == entity for o in others):
            return entity, [first, *others]
    raise AssertionError("no planted multi-id company was resolved")


def test_a_trader_page_shows_every_id_and_why_they_are_one(site):
    entity, ids = _multi_id(site)
    r = _get(site, f"/traders/{entity}", "analyst", format="json")
    assert r.status_code == 200, r.text
    data = r.json()
    assert set(ids) <= set(data["party_ids"])
    assert {p["status"] for p in data["pairs"]} & {"accepted", "confirmed", "name_only"}
    assert all(0 <= p["match_probability"] <= 1 for p in data["pairs"] if p["match_probability"] is not None)
    # declarations of every id, with the role the trader played and paging
    assert data["list"]["total"] == data["summary"]["items"] > 0
    assert {i["role"] for i in data["items"]} <= {"importer", "declarant", "seller"}
    assert data["months"] and all(m["items"] > 0 for m in data["months"])
    html = _get(site, f"/traders/{entity}", "analyst").text
    for party_id in ids:
        assert party_id in html
    assert 'id="chart-trader-risk"' in html and "Identities merged" in html


def test_a_trader_id_leads_to_its_entity_page(site):
    entity, ids = _multi_id(site)
    other_id = next(i for i in ids if f"party:{i}" != entity)
    r = _get(site, f"/traders/{other_id}", "auditor")
    assert r.status_code == 303 and r.headers["location"] == f"/traders/{entity}"
    assert _get(site, "/traders/NO-SUCH-TRADER", "auditor").status_code == 404


def test_a_seizure_known_by_name_only_shows_on_its_traders_page(site):
    truth = {r: g for g in site["identities"]["entities"] for r in g}
    thin = [
        e
        for r, e in site["entities"].items()
        if r.startswith("seizure:") and e.startswith("party:") and r in truth
    ]
    assert thin, "seizure records were resolved to traders"
    data = _get(site, f"/traders/{thin[0]}", "analyst", format="json").json()
    assert data["seizures"] and all(s["named_as"] for s in data["seizures"])


def test_an_officer_sees_a_trader_through_their_offices_declarations_only(site):
    with site["server"].app.state.portal.warehouse() as wh:
        d = wh.table("declarations")
        per = d.group_by("importer_id").aggregate(
            here=(d.office_id == OFFICE).sum(), elsewhere=(d.office_id != OFFICE).sum()
        )
        spread = per.filter((per.here > 0) & (per.elsewhere > 0)).order_by([per.here.desc(), "importer_id"])
        importer = spread.limit(1).to_pyarrow().to_pylist()[0]["importer_id"]
        lonely = (
            per.filter(per.here == 0)
            .order_by("importer_id")
            .limit(1)
            .to_pyarrow()
            .to_pylist()[0]["importer_id"]
        )
    entity = site["entities"][f"party:{importer}"]
    everything = _get(site, f"/traders/{entity}", "analyst", format="json", limit=500).json()
    data = _get(site, f"/traders/{entity}", "officer", format="json", limit=500).json()
    assert {i["office_id"] for i in everything["items"]} > {OFFICE}
    assert {i["office_id"] for i in data["items"]} == {OFFICE}
    assert (
        data["summary"]["items"] == data["list"]["total"] == _items_in(site, everything["party_ids"], OFFICE)
    )
    assert data["summary"]["items"] < everything["summary"]["items"]
    assert all(s["office_id"] == OFFICE for s in data["seizures"])
    # a trader with no declaration in the officer's offices answers like one that does not exist
    other = site["entities"][f"party:{lonely}"]
    other_ids = _get(site, f"/traders/{other}", "analyst", format="json").json()["party_ids"]
    if _items_in(site, other_ids, OFFICE) == 0:
        assert _get(site, f"/traders/{other}", "officer", format="json").status_code == 404


def _items_in(site, ids: list[str], office: str) -> int:
    """Goods items of ``office`` naming any of ``ids``, counted in the warehouse itself."""
    with site["server"].app.state.portal.warehouse() as wh:
        d = wh.table("declarations")
        named = d.importer_id.isin(ids) | d.declarant_id.isin(ids) | d.seller_id.isin(ids)
        return int(d.filter(named & (d.office_id == office)).count().execute())


def test_search_finds_a_trader_by_any_spelling_or_id(site):
    entity, ids = _multi_id(site)
    name = _get(site, f"/traders/{entity}", "analyst", format="json").json()["name"]
    by_name = _get(site, "/traders", "analyst", q=name.upper(), format="json").json()
    assert entity in {t["entity_id"] for t in by_name["traders"]}
    by_id = _get(site, "/traders", "analyst", q=ids[-1].lower(), format="json").json()
    assert [t["entity_id"] for t in by_id["traders"]] == [entity]
    assert _get(site, "/traders", "analyst", q="zz-nobody-zz", format="json").json()["traders"] == []


def test_audit_candidates_page_and_its_refusals(site):
    r = _get(site, "/audit-candidates", "auditor", period="2024-01..2024-12", top=5, format="json")
    assert r.status_code == 200, r.text
    rows = r.json()["candidates"]
    assert len(rows) == 5 and rows[0]["expected_revenue_at_risk"] >= rows[-1]["expected_revenue_at_risk"]
    html = _get(site, "/audit-candidates", "auditor", period="2024-01..2024-12", top=5).text
    assert f'href="/traders/{rows[0]["entity_id"]}"' in html
    bad = _get(site, "/audit-candidates", "auditor", period="last year", format="json")
    assert bad.status_code == 422 and "2024-01..2024-12" in bad.json()["detail"]
    assert _get(site, "/audit-candidates", "officer").status_code == 403
    assert _get(site, "/audit-candidates", "manager").status_code == 403


def test_every_trader_read_is_audited(site):
    entity, _ = _multi_id(site)
    _get(site, f"/traders/{entity}", "auditor", format="json")
    _get(site, "/traders", "auditor", q="acacia", format="json")
    store = site["server"].app.state.portal.store
    actions = [(e.action, e.resource) for e in audit.entries(store) if e.actor == "auditor"]
    assert ("traders.get", f"traders/{entity}") in actions
    assert ("traders.search", "traders") in actions


def test_the_declaration_page_links_its_importer_to_the_trader_page(site):
    entity, _ = _multi_id(site)
    items = _get(site, f"/traders/{entity}", "analyst", format="json", role="importer").json()["items"]
    declaration = _get(site, f"/declarations/{items[0]['declaration_id']}", "analyst", format="json").json()
    importer = declaration["items"][0]["importer_id"]
    html = _get(site, f"/declarations/{items[0]['declaration_id']}", "analyst").text
    assert f'href="/traders/{importer}" id="trader-link"' in html
    # and that link leads to the trader's entity
    assert _get(site, f"/traders/{importer}", "analyst").headers["location"] in (f"/traders/{entity}",)
