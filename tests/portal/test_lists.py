"""Lists an officer can work from: a total, paging, sorting, filters and a CSV export of what is shown,
the same on the page, its JSON twin and the API; an officer never counts or exports another office's rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import httpx
import pyarrow as pa
import pytest

from clearsight.ingest.load import ingest_file
from clearsight.portal.api.routes.declarations import DECLARATIONS
from clearsight.portal.pages.queue import LANE_ORDER
from clearsight.selectivity.selections import ARROW_SCHEMA
from portal_live import OFFICE, OTHER_OFFICE


def _count(live, where) -> int:
    """Goods items counted straight from the warehouse (not through the portal)."""
    with live.portal.warehouse() as wh:
        d = wh.table("declarations")
        return int(d.filter(where(d)).count().execute())


def _csv(r: httpx.Response) -> list[dict]:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))


def test_the_declarations_list_counts_pages_and_links(live, auth):
    total = _count(live, lambda d: d.office_id.notnull())
    page = httpx.get(f"{live.url}/declarations", params={"format": "json", "limit": 20, "offset": 40}, headers=auth("analyst")).json()
    m = page["list"]
    assert (m["total"], m["first"], m["last"], len(page["rows"])) == (total, 41, 60, 20)
    assert m["next"] == "/declarations?limit=20&offset=60" and m["previous"] == "/declarations?limit=20&offset=20"
    api = httpx.get(f"{live.url}/api/v1/declarations", params={"limit": 20, "offset": 40}, headers=auth("analyst"))
    assert api.json() == page["rows"]  # the same rows, the API staying a list
    assert api.headers["x-total-count"] == str(total)
    assert api.headers["link"] == ('</api/v1/declarations?limit=20&offset=60>; rel="next", '
                                   '</api/v1/declarations?limit=20&offset=20>; rel="prev"')
    html = httpx.get(f"{live.url}/declarations", params={"limit": 20}, headers=auth("analyst")).text
    assert f"1–20 of {total:,} goods items" in html and 'rel="next"' in html and "export CSV" in html


def test_an_officer_counts_and_exports_their_offices_only(live, auth):
    own = _count(live, lambda d: d.office_id == OFFICE)
    listed = httpx.get(f"{live.url}/api/v1/declarations", params={"limit": 5}, headers=auth("officer"))
    assert listed.headers["x-total-count"] == str(own)
    rows = _csv(httpx.get(f"{live.url}/declarations", params={"format": "csv"}, headers=auth("officer")))
    assert len(rows) == own and {r["office_id"] for r in rows} == {OFFICE}
    # Every filter narrows within the officer's offices: an HS prefix found in both offices.
    hs = _csv(httpx.get(f"{live.url}/api/v1/declarations", params={"format": "csv", "hs": "8"}, headers=auth("officer")))
    assert hs and {r["office_id"] for r in hs} == {OFFICE} and all(r["hs_code"].startswith("8") for r in hs)
    assert len(hs) == _count(live, lambda d: (d.office_id == OFFICE) & d.hs_code.startswith("8"))
    for fmt in ("csv", "json"):
        other = httpx.get(f"{live.url}/api/v1/declarations", params={"format": fmt, "office_id": OTHER_OFFICE},
                          headers=auth("officer"))
        assert other.status_code == 403 and other.json() == {"detail": f"office {OTHER_OFFICE} is not one of your offices"}
    entries = httpx.get(f"{live.url}/api/v1/audit", params={"actor": "officer", "action": "declarations.export"},
                        headers=auth("auditor")).json()
    assert any(e["outcome"] == "ok" and e["filter"]["format"] == "csv" and e["rows"] == own for e in entries)
    assert any(e["outcome"] == "refused" and e["filter"] == {"office_id": OTHER_OFFICE} for e in entries)


def test_filters_and_sort_answer_what_they_say(live, auth):
    params = {"format": "json", "origin": "cn", "lodged_from": "2024-03-01", "lodged_to": "2024-03-31",
              "sort": "customs_value", "limit": 50}
    data = httpx.get(f"{live.url}/declarations", params=params, headers=auth("analyst")).json()
    rows = data["rows"]
    assert rows and data["list"]["order"] == "desc"  # an amount sorts from the highest first
    assert all(r["country_of_origin"] == "CN" and r["lodged_at"][:7] == "2024-03" for r in rows)
    values = [r["customs_value"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert data["list"]["total"] == _count(live, lambda d: (d.country_of_origin == "CN") & (
        d.lodged_at >= dt.datetime(2024, 3, 1)) & (d.lodged_at < dt.datetime(2024, 4, 1)))
    ascending = httpx.get(f"{live.url}/api/v1/declarations", params={**params, "order": "asc", "format": "json"},
                          headers=auth("analyst")).json()
    assert [r["customs_value"] for r in ascending] == sorted(r["customs_value"] for r in ascending)


@pytest.mark.parametrize(("params", "field"), [
    ({"sort": "importer_password"}, "sort"),
    ({"order": "sideways"}, "order"),
    ({"lodged_from": "2024-02-30"}, "lodged_from"),
    ({"lodged_from": "2024-03-02", "lodged_to": "2024-03-01"}, "lodged_to"),
    ({"hs": "85a"}, "hs"),
    ({"lane": "purple"}, "lane"),
    ({"limit": "0"}, "limit"),
    ({"offset": "many"}, "offset"),
    ({"format": "xlsx"}, "format"),
])
def test_a_bad_parameter_is_a_422_naming_it(live, auth, params, field):
    for path in ("/api/v1/declarations", "/declarations"):
        r = httpx.get(f"{live.url}{path}", params=params, headers={**auth("analyst"), "Accept": "application/json"})
        assert r.status_code == 422 and r.json()["detail"].startswith(f"{field}: "), (path, r.text)
    page = httpx.get(f"{live.url}/declarations", params=params, headers=auth("analyst"))
    assert page.status_code == 422 and f"{field}: " in page.text and "Traceback" not in page.text


def test_the_export_is_capped_with_a_note(live, auth):
    total = _count(live, lambda d: d.office_id.notnull())
    cap = DECLARATIONS.export_cap
    assert total > cap, "the synthetic warehouse holds more items than one export"
    r = httpx.get(f"{live.url}/api/v1/declarations", params={"format": "csv"}, headers=auth("analyst"))
    rows = _csv(r)
    assert len(rows) == cap and list(rows[0]) == list(DECLARATIONS.columns)
    assert f"first-{cap}-of-{total}" in r.headers["content-disposition"]
    assert r.headers["x-export-note"] == f"the export holds the first {cap:,} of {total:,} rows; narrow the filters for the rest"
    html = httpx.get(f"{live.url}/declarations", headers=auth("analyst")).text
    assert f"the first {cap:,} of {total:,}" in html


def test_the_queue_is_strictest_lane_first_then_riskiest(live, auth):
    data = httpx.get(f"{live.url}/queue", params={"format": "json", "limit": 500}, headers=auth("analyst")).json()
    items = data["items"]
    assert items and data["list"]["total"] == len(items)
    keys = [(LANE_ORDER[i["lane"]], -i["score"]) for i in items]
    assert keys == sorted(keys)
    assert all(i["why"] and i["selected_by"] for i in items)
    lane = items[0]["lane"]
    only = httpx.get(f"{live.url}/queue", params={"format": "json", "lane": lane, "limit": 500}, headers=auth("analyst")).json()
    assert only["items"] and {i["lane"] for i in only["items"]} == {lane}
    assert len(only["items"]) == sum(1 for i in items if i["lane"] == lane)
    mine = _csv(httpx.get(f"{live.url}/queue", params={"format": "csv", "hs": "8"}, headers=auth("officer")))
    assert mine and {r["office_id"] for r in mine} == {OFFICE} and all(r["hs_code"].startswith("8") for r in mine)
    paged = httpx.get(f"{live.url}/queue", params={"format": "json", "limit": 10, "offset": 10}, headers=auth("analyst")).json()
    assert [(i["declaration_id"], i["item_no"]) for i in paged["items"]] == [
        (i["declaration_id"], i["item_no"]) for i in items[10:20]]


def test_the_audit_log_filters_sorts_and_exports(live, auth):
    httpx.get(f"{live.url}/api/v1/declarations", params={"limit": 1}, headers=auth("analyst"))
    today = dt.date.today().isoformat()  # entries are stamped in UTC
    params = {"actor": "analyst", "action": "declarations", "from": today, "to": today}
    listed = httpx.get(f"{live.url}/audit", params={**params, "format": "json"}, headers=auth("auditor")).json()
    assert listed["entries"] and all(e["actor"] == "analyst" and e["action"].startswith("declarations")
                                     for e in listed["entries"])
    assert listed["list"]["total"] == len(listed["entries"])
    by_action = httpx.get(f"{live.url}/api/v1/audit", params={"sort": "action", "limit": 1000}, headers=auth("auditor")).json()
    assert [e["action"] for e in by_action] == sorted(e["action"] for e in by_action)
    exported = _csv(httpx.get(f"{live.url}/audit", params={**params, "format": "csv"}, headers=auth("auditor")))
    assert [int(r["id"]) for r in exported] == [e["id"] for e in listed["entries"]]
    assert json.loads(exported[0]["filter"]) == listed["entries"][0]["filter"]
    last = httpx.get(f"{live.url}/api/v1/audit", params={"limit": 1}, headers=auth("auditor")).json()[0]
    assert (last["action"], last["actor"]) == ("audit.export", "auditor")  # the export is itself audited
    assert httpx.get(f"{live.url}/api/v1/audit", params={"from": "yesterday"}, headers=auth("auditor")).status_code == 422


def _decide(private, rows: list[dict]) -> None:
    """A batch selection of ``rows`` (declaration_id, item_no, lane, score, selected_by), as ``select`` stores it."""
    now = dt.datetime(2025, 1, 1)
    full = [{"selection_id": "sel-test", "decided_at": now, "channel": "batch", "random_control": False,
             "exploration": False, "rules_hit": [], "reasons": [], **r} for r in rows]
    with private.portal.warehouse() as wh:
        wh.insert("selections", pa.Table.from_pylist([{c: r.get(c) for c in ARROW_SCHEMA.names} for r in full],
                                                      schema=ARROW_SCHEMA))


def test_the_list_shows_the_last_batch_selection_and_filters_by_it(private):
    rows = private.get("analyst", "/api/v1/declarations", params={"limit": 3}).json()
    earlier = [{"declaration_id": r["declaration_id"], "item_no": r["item_no"], "lane": "green", "score": 0.1,
                "selected_by": "none", "decided_at": dt.datetime(2024, 12, 1)} for r in rows]
    latest = [{"declaration_id": r["declaration_id"], "item_no": r["item_no"], "lane": lane, "score": score,
               "selected_by": by} for r, lane, score, by in zip(rows, ("red", "yellow", "red"), (0.9, 0.5, 0.7),
                                                                ("model", "model", "rule"), strict=True)]
    _decide(private, earlier)
    _decide(private, latest)
    red = private.get("analyst", "/api/v1/declarations", params={"lane": "red", "sort": "score"})
    assert red.headers["x-total-count"] == "2"
    assert [(r["declaration_id"], r["score"], r["selected_by"]) for r in red.json()] == [
        (rows[0]["declaration_id"], 0.9, "model"), (rows[2]["declaration_id"], 0.7, "rule")]
    by_rule = private.get("analyst", "/api/v1/declarations", params={"selected_by": "rule"}).json()
    assert [r["declaration_id"] for r in by_rule] == [rows[2]["declaration_id"]]
    first = private.get("analyst", "/api/v1/declarations", params={"limit": 3}).json()
    assert [(r["lane"], r["score"]) for r in first] == [("red", 0.9), ("yellow", 0.5), ("red", 0.7)]
    uninspected = private.get("analyst", "/api/v1/declarations", params={"result": "uninspected", "limit": 50}).json()
    assert uninspected and all(r["result"] is None for r in uninspected)


def test_the_quarantine_pages_and_exports_a_files_refused_rows(private, tmp_path):
    bad = tmp_path / "bad-declarations.csv"
    header = "declaration_id,item_no,lodged_at,office_id,declarant_id,importer_id,country_of_origin,hs_code,customs_value"
    lines = [f"Q-{n},1,2024-05-01 10:00:00,{OFFICE},DC1,IM1,ZZ,85414300,12.5" for n in range(7)]
    bad.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    with private.portal.warehouse() as wh:
        result = ingest_file(wh, "declarations", bad)
    assert result.quarantined == 7 and result.accepted == 0
    files = private.get("analyst", "/quarantine", params={"format": "json", "table": "declarations"}).json()
    batch = next(b for b in files["batches"] if b["batch_id"] == result.batch)
    assert batch["rows"] == 7
    assert private.get("analyst", "/quarantine", params={"format": "json", "table": "parties"}).json()["list"]["total"] == 0
    page = private.get("analyst", "/quarantine", params={"batch": result.batch, "limit": 3, "offset": 3, "format": "json"}).json()
    assert [r["row_no"] for r in page["rows"]] == [4, 5, 6] and page["list"]["total"] == 7
    assert page["list"]["next"] == f"/quarantine?batch={result.batch}&limit=3&offset=6"
    by_field = private.get("analyst", "/quarantine", params={"batch": result.batch, "field": "country_of_origin",
                                                              "format": "json"}).json()
    assert by_field["list"]["total"] == 7
    exported = _csv(private.get("analyst", "/quarantine", params={"batch": result.batch, "format": "csv"}))
    assert [int(r["row_no"]) for r in exported] == list(range(1, 8))
    assert all("country_of_origin" in r["fields"] for r in exported)
    log = private.get("auditor", "/api/v1/audit", params={"action": "quarantine.export"}).json()
    assert log and log[0]["resource"] == f"quarantine/{result.batch}" and log[0]["rows"] == 7


def test_no_exported_cell_is_run_as_a_formula_by_a_spreadsheet():
    """Text a trader wrote (a goods description) may start like a formula: the export keeps it as text."""
    from clearsight.portal.listing import Listing, csv_response

    found = Listing(spec=DECLARATIONS, filters={}, sort="lodged_at", order="desc", limit=50, offset=0, format="csv")
    rows = [{"declaration_id": "D1", "goods_description": '=HYPERLINK("http://x","open")', "customs_value": -5.0,
             "importer_id": "+254", "hs_code": "Zürich – tea", "lodged_at": dt.datetime(2024, 1, 2, 3, 4, 5)}]
    (row,) = list(csv.DictReader(io.StringIO(csv_response(found, rows, 1).body.decode("utf-8"))))
    assert row["goods_description"] == "'" + rows[0]["goods_description"]
    assert (row["customs_value"], row["importer_id"]) == ("-5.0", "'+254")  # a number stays a number
    assert (row["hs_code"], row["lodged_at"]) == ("Zürich – tea", "2024-01-02 03:04:05")
