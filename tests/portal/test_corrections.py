"""Results with a correction path: a result is never changed or removed; a correction is a new entry,
with its reason, that supersedes the old one, and every reader (the training labels, the overview,
the pages) follows it. Forms start with no result chosen and ask before recording."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pyarrow as pa
import pytest
from fastapi import HTTPException

from clearsight.core.warehouse import connect
from clearsight.portal import queries
from clearsight.portal.api.routes.declarations import entry_to_correct
from clearsight.quality.report import build_report
from clearsight.risk.history import labels
from portal_live import OFFICE, OTHER_OFFICE, password_of


def _open_item(private, office: str = OFFICE) -> tuple[str, int]:
    with private.portal.warehouse() as wh:
        row = queries.uninspected(wh, [office], 1).to_pylist()[0]
    return row["declaration_id"], row["item_no"]


def _label(private, declaration_id: str, item_no: int) -> dict:
    with private.portal.warehouse() as wh:
        lab = labels(wh, "duty_at_stake")
        found = lab.filter((lab.declaration_id == declaration_id) & (lab.item_no == item_no)).to_pyarrow().to_pylist()
    assert len(found) == 1, found
    return found[0]


def _entries(private, declaration_id: str, item_no: int) -> list[dict]:
    with private.portal.warehouse() as wh:
        i = wh.table("inspections")
        rows = i.filter((i.declaration_id == declaration_id) & (i.item_no == item_no)).order_by("inspected_at")
        return rows.to_pyarrow().to_pylist()


def _hits(private) -> int:
    return private.get("analyst", "/api/v1/overview").json()["totals"]["hits"]


def _duplicate_results(private) -> int:
    """Items the quality report counts more than one inspection result for."""
    with private.portal.warehouse() as wh:
        report = build_report(wh, dt.date.today())
    return next(t for t in report.tables if t.table == "inspections").duplicate_keys


def test_fraud_corrected_to_compliant_is_compliant_for_every_reader(private):
    declaration_id, item_no = _open_item(private)
    hits_before, duplicates_before = _hits(private), _duplicate_results(private)
    first = private.post("officer", "/api/v1/inspections", json={
        "declaration_id": declaration_id, "item_no": item_no, "result": "fraud", "fraud_type": "valuation"})
    assert first.status_code == 201, first.text
    assert _label(private, declaration_id, item_no)["fraud"] == 1
    assert _hits(private) == hits_before + 1

    again = private.post("officer", "/api/v1/inspections", json={
        "declaration_id": declaration_id, "item_no": item_no, "result": "compliant"})
    assert again.status_code == 409 and "corrections" in again.json()["detail"]

    path = f"/api/v1/inspections/{declaration_id}/{item_no}/corrections"
    fixed = private.post("officer", path, json={"result": "compliant", "reason": "the valuation was checked again: correct"})
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["supersedes"] == first.json()["batch_id"] and fixed.json()["was"] == "fraud"

    # The training labels and the overview follow the correction.
    assert _label(private, declaration_id, item_no)["fraud"] == 0
    assert _hits(private) == hits_before
    assert _duplicate_results(private) == duplicates_before  # a correction is no second result
    # The old entry is still there, as it was; the new one names it.
    old, new = _entries(private, declaration_id, item_no)
    assert (old["result"], old["batch_id"], old["supersedes"]) == ("fraud", first.json()["batch_id"], None)
    assert (new["result"], new["supersedes"], new["correction_reason"]) == (
        "compliant", old["batch_id"], "the valuation was checked again: correct")
    # The declaration shows the result in force and the whole history.
    detail = private.get("officer", f"/api/v1/declarations/{declaration_id}").json()
    item = next(i for i in detail["items"] if i["item_no"] == item_no)
    assert (item["result"], item["corrected"]) == ("compliant", True)
    history = [e for e in detail["results"] if e["item_no"] == item_no]
    assert [(e["result"], e["in_force"], e["superseded_by"]) for e in history] == [
        ("fraud", False, new["batch_id"]), ("compliant", True, None)]
    html = private.get("officer", f"/declarations/{declaration_id}").text
    assert "<del>fraud</del>" in html and "the valuation was checked again: correct" in html
    # The audit log holds both, the correction naming the entry it replaced.
    log = private.get("auditor", "/api/v1/audit", params={"action": "inspections", "actor": "officer"}).json()
    resource = f"declarations/{declaration_id}/items/{item_no}"
    actions = {e["action"]: e for e in log if e["resource"] == resource}
    assert set(actions) == {"inspections.record", "inspections.correct"}
    assert actions["inspections.correct"]["filter"] == {
        "supersedes": old["batch_id"], "was": "fraud", "result": "compliant", "batch_id": new["batch_id"],
        "reason": "the valuation was checked again: correct",
    }
    # A superseded entry cannot be corrected again: its correction can.
    stale = private.post("officer", path, json={"result": "critical", "reason": "second thoughts", "supersedes": old["batch_id"]})
    assert stale.status_code == 409 and new["batch_id"] in stale.json()["detail"]
    assert len(_entries(private, declaration_id, item_no)) == 2


def test_a_correction_is_refused_without_a_reason_or_a_result_to_correct(private):
    declaration_id, item_no = _open_item(private)
    path = f"/api/v1/inspections/{declaration_id}/{item_no}/corrections"
    nothing = private.post("officer", path, json={"result": "fraud", "reason": "found a second invoice"})
    assert nothing.status_code == 409 and "no inspection result to correct" in nothing.json()["detail"]
    private.post("officer", "/api/v1/inspections", json={"declaration_id": declaration_id, "item_no": item_no, "result": "compliant"})
    for body, field in (({"result": "fraud"}, "reason"), ({"result": "fraud", "reason": "   "}, "reason"),
                        ({"result": "maybe", "reason": "found a second invoice"}, "result")):
        r = private.post("officer", path, json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert len(_entries(private, declaration_id, item_no)) == 1


def test_another_offices_result_cannot_be_corrected_by_an_officer(private):
    declaration_id, item_no = _open_item(private, OTHER_OFFICE)
    private.post("admin", "/api/v1/inspections", json={"declaration_id": declaration_id, "item_no": item_no, "result": "fraud"})
    path = f"/api/v1/inspections/{declaration_id}/{item_no}/corrections"
    r = private.post("officer", path, json={"result": "compliant", "reason": "not mine to say"})
    assert r.status_code == 404 and r.json() == {"detail": f"declaration {declaration_id} has no item {item_no}"}
    assert [e["result"] for e in _entries(private, declaration_id, item_no)] == ["fraud"]
    assert private.post("admin", path, json={"result": "compliant", "reason": "checked by the office"}).status_code == 201


def _session(private, role: str = "officer") -> str:
    private.client.cookies.clear()
    r = private.client.post("/login", data={"username": role, "password": password_of(role)})
    assert r.status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', private.client.get("/queue").text).group(1)


def test_the_forms_choose_nothing_and_ask_before_recording(private):
    csrf = _session(private)
    queue = private.client.get("/queue").text
    form = queue[queue.index('<form method="post" action="/queue/record"'):]
    form = form[: form.index("</form>")]
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)<", form) == ["— choose a result —", "— choose a method —"]
    assert '<option value="" selected>' in form and "required" in form

    declaration_id, item_no = _open_item(private)
    fields = {"csrf_token": csrf, "declaration_id": declaration_id, "item_no": str(item_no), "method": "physical"}
    unchosen = private.client.post("/queue/record", data=fields)
    assert unchosen.status_code == 422 and "result" in unchosen.text
    no_method = private.client.post("/queue/record", data={**fields, "result": "fraud", "method": ""})
    assert no_method.status_code == 422 and "method" in no_method.text
    asked = private.client.post("/queue/record", data={**fields, "result": "fraud"})
    assert asked.status_code == 200
    assert f"Record fraud for item {item_no} of declaration {declaration_id}?" in asked.text
    assert 'name="confirm" value="yes"' in asked.text and 'href="/queue"' in asked.text  # Confirm, Back
    assert _entries(private, declaration_id, item_no) == []  # asking recorded nothing
    done = private.client.post("/queue/record", data={**fields, "result": "fraud", "confirm": "yes"})
    assert done.status_code == 303
    (entry,) = _entries(private, declaration_id, item_no)
    assert (entry["result"], entry["method"]) == ("fraud", "physical")

    # The correction on the declaration's page asks too, saying from what to what.
    page = private.client.get(f"/declarations/{declaration_id}").text
    assert f'action="/declarations/{declaration_id}/items/{item_no}/correct"' in page
    correct = f"/declarations/{declaration_id}/items/{item_no}/correct"
    fix = {"csrf_token": csrf, "result": "compliant", "reason": "the seal number was misread", "supersedes": entry["batch_id"]}
    assert private.client.post(correct, data={**fix, "reason": ""}).status_code == 422
    asked = private.client.post(correct, data=fix)
    assert asked.status_code == 200 and "from fraud to compliant" in asked.text
    assert len(_entries(private, declaration_id, item_no)) == 1
    done = private.client.post(correct, data={**fix, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == f"/declarations/{declaration_id}?corrected={item_no}#results"
    assert [e["result"] for e in _entries(private, declaration_id, item_no)] == ["fraud", "compliant"]
    private.client.cookies.clear()



def test_recording_returns_to_the_queue_as_the_officer_filtered_it(private):
    """An officer working the red lane records a result and comes back to the red lane, not to the
    whole queue; the filters travel as a query string on /queue and nothing else."""
    csrf = _session(private)
    queue = private.client.get("/queue", params={"lane": "red", "sort": "score"}).text
    assert 'name="view" value="lane=red&amp;sort=score"' in queue
    declaration_id, item_no = _open_item(private)
    fields = {"csrf_token": csrf, "declaration_id": declaration_id, "item_no": str(item_no), "result": "compliant",
              "method": "documentary", "view": "lane=red&sort=score"}
    asked = private.client.post("/queue/record", data=fields)
    assert 'href="/queue?lane=red&amp;sort=score"' in asked.text  # Back keeps the filters
    assert 'name="view" value="lane=red&amp;sort=score"' in asked.text  # and so does Confirm
    done = private.client.post("/queue/record", data={**fields, "confirm": "yes"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/queue?lane=red&sort=score&recorded={declaration_id}%2F{item_no}"
    other_id, other_no = _open_item(private)
    hostile = {**fields, "declaration_id": other_id, "item_no": str(other_no), "view": "//elsewhere.example/x?lane=red"}
    away = private.client.post("/queue/record", data={**hostile, "confirm": "yes"})
    assert away.status_code == 303 and away.headers["location"].startswith("/queue?")
    private.client.cookies.clear()

def test_a_warehouse_made_before_corrections_keeps_working(tmp_path):
    """A warehouse whose ``inspections`` has no correction columns is given them when opened; its
    results read as before, and can be corrected."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE inspections (declaration_id VARCHAR, item_no BIGINT, lane VARCHAR, method VARCHAR, "
        "inspected_at TIMESTAMP, result VARCHAR, fraud_type VARCHAR, additional_revenue DOUBLE, officer_id VARCHAR, "
        "batch_id VARCHAR, quality_flags VARCHAR)"
    )
    con.execute("INSERT INTO inspections VALUES ('D1', 1, 'red', 'physical', '2024-01-02', 'fraud', NULL, 10.0, 'o1', 'B1', NULL)")
    con.close()
    wh = connect(f"duckdb://{path}")
    try:
        assert {"supersedes", "correction_reason"} <= set(wh.table("inspections").columns)
        assert queries.item_results(wh).to_pyarrow().to_pylist()[0]["result"] == "fraud"
        queries.record_inspection(wh, {"declaration_id": "D1", "item_no": 1, "result": "compliant"}, "o2",
                                  supersedes="B1", reason="misread")
        (row,) = queries.item_results(wh).to_pyarrow().to_pylist()
        assert (row["result"], row["corrected"]) == ("compliant", True)
    finally:
        wh.close()


def test_entries_of_one_file_for_one_item_count_together_until_corrected():
    """Two results of one item in force (an inspections file may carry both) are one label, the worse
    one; correcting one leaves the other in force."""
    wh = connect("duckdb://")
    schema = wh.table("inspections").schema().to_pyarrow()
    rows = [
        {"declaration_id": "D1", "item_no": 1, "result": "compliant", "batch_id": "F1"},
        {"declaration_id": "D1", "item_no": 1, "result": "critical", "batch_id": "F2"},
    ]
    wh.insert("inspections", pa.Table.from_pylist(rows, schema=schema))
    assert queries.item_results(wh).to_pyarrow().to_pylist()[0]["result"] == "critical"
    queries.record_inspection(wh, {"declaration_id": "D1", "item_no": 1, "result": "fraud"}, "o", supersedes="F2", reason="not prohibited")
    assert queries.item_results(wh).to_pyarrow().to_pylist()[0]["result"] == "fraud"
    with pytest.raises(HTTPException, match="2 results in force"):
        entry_to_correct(queries.result_entries(wh, "D1", 1), None, "D1", 1)
