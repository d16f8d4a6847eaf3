"""An officer reads declaration-level data of their own offices only, on every route and page: a
declaration's importer history counts the officer's offices alone, and another office's declaration
answers exactly like one that does not exist."""

from __future__ import annotations

import httpx
import pytest

from portal_live import OFFICE, OTHER_OFFICE


def _warehouse_rows(live, sql_filter) -> list[dict]:
    """Declarations rows read straight from the warehouse (not through the portal's queries)."""
    with live.portal.warehouse() as wh:
        d = wh.table("declarations")
        return d.filter(sql_filter(d)).select("declaration_id", "item_no", "office_id", "importer_id").to_pyarrow().to_pylist()


@pytest.fixture(scope="module")
def spread(live) -> dict:
    """A declaration of the officer's office whose importer lodged others there and in other offices."""
    with live.portal.warehouse() as wh:
        d = wh.table("declarations")
        per_importer = d.group_by("importer_id").aggregate(
            here=d.declaration_id.nunique(where=d.office_id == OFFICE), elsewhere=(d.office_id != OFFICE).sum()
        )
        importer = per_importer.filter((per_importer.here > 1) & (per_importer.elsewhere > 0)).order_by("importer_id")
        importer_id = importer.limit(1).to_pyarrow().to_pylist()[0]["importer_id"]
    mine = _warehouse_rows(live, lambda d: d.importer_id == importer_id)
    own = [r for r in mine if r["office_id"] == OFFICE]
    other = [r for r in mine if r["office_id"] != OFFICE]
    assert own and other
    return {"importer_id": importer_id, "declaration_id": own[0]["declaration_id"], "own": own, "other": other}


def test_importer_history_counts_the_officers_offices_only(live, auth, spread):
    r = httpx.get(f"{live.url}/api/v1/declarations/{spread['declaration_id']}", headers=auth("officer"))
    assert r.status_code == 200, r.text
    history = r.json()["importer"]
    office_of = {row["declaration_id"]: row["office_id"] for row in spread["own"] + spread["other"]}
    assert history["recent"], "the importer has items in the officer's office"
    assert {office_of[i["declaration_id"]] for i in history["recent"]} == {OFFICE}
    # The declaration being read is not its own history: only the importer's other declarations count.
    others = [row for row in spread["own"] if row["declaration_id"] != spread["declaration_id"]]
    assert spread["declaration_id"] not in {i["declaration_id"] for i in history["recent"]}
    assert history["items"] == len(others)
    assert history["declarations"] == len({row["declaration_id"] for row in others})
    # An analyst (every office) sees the whole history of the same importer.
    analyst = httpx.get(f"{live.url}/api/v1/declarations/{spread['declaration_id']}", headers=auth("analyst")).json()
    assert analyst["importer"]["items"] == len(others) + len(spread["other"])


def test_the_declaration_page_shows_the_same_scoped_history(live, auth, spread):
    data = httpx.get(
        f"{live.url}/declarations/{spread['declaration_id']}", params={"format": "json"}, headers=auth("officer")
    ).json()
    other_ids = {row["declaration_id"] for row in spread["other"]}
    assert data["importer"]["items"] == len([r for r in spread["own"] if r["declaration_id"] != spread["declaration_id"]])
    assert not other_ids & {i["declaration_id"] for i in data["importer"]["recent"]}
    html = httpx.get(f"{live.url}/declarations/{spread['declaration_id']}", headers=auth("officer")).text
    assert not [d for d in other_ids if f">{d}<" in html]


@pytest.mark.parametrize("prefix", ["/api/v1/declarations", "/declarations"])
def test_another_offices_declaration_answers_like_a_missing_one(live, auth, spread, prefix):
    other_id = spread["other"][0]["declaration_id"]
    accept = {"Accept": "application/json"}
    other = httpx.get(f"{live.url}{prefix}/{other_id}", headers={**auth("officer"), **accept})
    missing = httpx.get(f"{live.url}{prefix}/NO-SUCH-DECLARATION", headers={**auth("officer"), **accept})
    assert other.status_code == missing.status_code == 404
    assert other.json() == {"detail": f"declaration {other_id} not found"}
    assert missing.json() == {"detail": "declaration NO-SUCH-DECLARATION not found"}
    # The analyst, bound to no office, does read it.
    assert httpx.get(f"{live.url}{prefix}/{other_id}", headers={**auth("analyst"), **accept}).status_code == 200


def test_recording_a_result_for_another_office_answers_like_a_missing_item(live, auth):
    with live.portal.warehouse() as wh:
        d, i = wh.table("declarations"), wh.table("inspections")
        open_items = d.filter(d.office_id == OTHER_OFFICE).anti_join(i, ["declaration_id", "item_no"])
        row = open_items.select("declaration_id", "item_no").limit(1).to_pyarrow().to_pylist()[0]
    body = {"declaration_id": row["declaration_id"], "item_no": row["item_no"], "result": "compliant"}
    other = httpx.post(f"{live.url}/api/v1/inspections", json=body, headers=auth("officer"))
    missing = httpx.post(
        f"{live.url}/api/v1/inspections", json={**body, "declaration_id": "NO-SUCH-DECLARATION"}, headers=auth("officer")
    )
    assert other.status_code == missing.status_code == 404
    assert other.json() == {"detail": f"declaration {row['declaration_id']} has no item {row['item_no']}"}
    with live.portal.warehouse() as wh:
        i = wh.table("inspections")
        saved = i.filter((i.declaration_id == row["declaration_id"]) & (i.item_no == row["item_no"])).count().execute()
    assert saved == 0


def test_the_refusal_is_audited_without_saying_more_than_not_found(live, auth, spread):
    other_id = spread["other"][0]["declaration_id"]
    httpx.get(f"{live.url}/api/v1/declarations/{other_id}", headers=auth("officer"))
    entries = httpx.get(
        f"{live.url}/api/v1/audit", params={"actor": "officer", "limit": 50}, headers=auth("auditor")
    ).json()
    seen = [e for e in entries if e["resource"] == f"declarations/{other_id}"]
    assert seen and seen[0]["outcome"] == "not_found"


def test_declaration_rows_are_read_through_the_one_scoped_function_only():
    """No page or route reads the declarations table itself, and every query that reads it through
    ``declarations_in`` makes its caller say which offices (no default to forget)."""
    import inspect
    import pathlib
    import re

    from clearsight.portal import queries

    package = pathlib.Path(queries.__file__).parent
    direct = re.compile(r"""\.table\(\s*["']declarations["']""")
    readers = [p.relative_to(package) for p in package.rglob("*.py") if direct.search(p.read_text(encoding="utf-8"))]
    assert readers == [pathlib.Path("queries.py")]
    assert len(direct.findall(inspect.getsource(queries))) == 1  # inside declarations_in
    scoped = [
        f for name, f in inspect.getmembers(queries, inspect.isfunction)
        if f.__module__ == queries.__name__ and name != "declarations_in" and "declarations_in(" in inspect.getsource(f)
    ]
    assert {f.__name__ for f in scoped} >= {"list_items", "declaration", "importer_history", "item", "uninspected", "overview"}
    for f in scoped:
        offices = inspect.signature(f).parameters["offices"]
        assert offices.default is inspect.Parameter.empty, f"{f.__name__} lets its caller leave out the offices"
