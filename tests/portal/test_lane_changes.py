"""An officer's change of the lane the system decided: a decision of its own (channel ``officer``,
the reason kept), audited, shown wherever the lane is read (declaration page, list, queue), refused
without a reason, for the same lane, without a decision to change, or outside the officer's offices;
and counted by the integrity indicator "lane downgrades" even when no inspection follows."""

from __future__ import annotations

import pytest

from clearsight.performance.integrity import IntegrityOptions, inspected_items, lane_downgrade_counts
from clearsight.portal import queries
from clearsight.selectivity import lane_decisions
from portal_live import OFFICE, OTHER_OFFICE, decide_lane


def _open_item(private, office: str, lane: str | None) -> tuple[str, int]:
    """A new uninspected item of ``office`` (in the queue's window, no lane decided yet), decided
    ``lane`` by a batch."""
    with private.portal.warehouse() as wh:
        decided = lane_decisions(wh).select("declaration_id", "item_no").to_pyarrow().to_pylist()
        taken = {(r["declaration_id"], r["item_no"]) for r in decided}
        rows = queries.uninspected(wh, [office], 50).to_pylist()
        declaration_id, item_no = next((r["declaration_id"], r["item_no"]) for r in rows
                                       if (r["declaration_id"], r["item_no"]) not in taken)
        if lane:
            decide_lane(wh, declaration_id, item_no, lane)
    return declaration_id, item_no


def _officer_rows(wh) -> list[dict]:
    t = lane_decisions(wh)
    return t.filter(t.channel == "officer").to_pyarrow().to_pylist()


def _url(declaration_id: str, item_no: int, api: bool = True) -> str:
    return f"{'/api/v1' if api else ''}/declarations/{declaration_id}/items/{item_no}/lane"


def _audit(private, action: str) -> list[dict]:
    r = private.get("auditor", "/api/v1/audit", params={"action": action, "limit": 100})
    assert r.status_code == 200, r.text
    return r.json()


def test_an_officer_lowers_a_lane_with_a_reason_and_every_reader_sees_it(private):
    declaration_id, item_no = _open_item(private, OFFICE, "red")
    audited = len(_audit(private, "lanes.change"))
    r = private.post("officer", _url(declaration_id, item_no), json={"lane": "green", "reason": "  known regular shipment "})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert (saved["was"], saved["lane"], saved["reason"]) == ("red", "green", "known regular shipment")

    entries = _audit(private, "lanes.change")
    assert len(entries) == audited + 1
    entry = next(e for e in entries if e["resource"] == f"declarations/{declaration_id}/items/{item_no}")
    assert entry["actor"] == "officer" and entry["filter"]["was"] == "red" and entry["filter"]["lane"] == "green"
    assert entry["filter"]["reason"] == "known regular shipment"

    with private.portal.warehouse() as wh:  # in ``selections`` at once, exactly once however often it is moved
        lane_decisions(wh, private.portal.store)
        mine = [r for r in _officer_rows(wh) if (r["declaration_id"], r["item_no"]) == (declaration_id, item_no)]
    assert len(mine) == 1 and mine[0]["decided_by"] == "officer" and mine[0]["reasons"] == ["known regular shipment"]
    assert mine[0]["selection_id"] == saved["selection_id"] and mine[0]["score"] is None

    page = private.get("officer", f"/declarations/{declaration_id}")
    assert page.status_code == 200 and "known regular shipment" in page.text and "(officer)" in page.text

    listed = private.get("officer", "/api/v1/declarations", params={"q": declaration_id, "selected_by": "officer"})
    rows = [x for x in listed.json() if x["item_no"] == item_no]
    assert [(x["lane"], x["selected_by"]) for x in rows] == [("green", "officer")]

    queue = private.get("officer", "/queue", params={"format": "json", "office_id": OFFICE, "limit": 500})
    assert queue.status_code == 200, queue.text
    item = next(x for x in queue.json()["items"] if (x["declaration_id"], x["item_no"]) == (declaration_id, item_no))
    assert item["lane"] == "green" and item["selected_by"] == "officer"
    assert item["why"] == "green by officer officer, who changed the lane: known regular shipment"


def test_a_lane_change_is_counted_as_a_downgrade_without_an_inspection(private):
    declaration_id, item_no = _open_item(private, OFFICE, "red")
    assert private.post("officer", _url(declaration_id, item_no), json={"lane": "yellow", "reason": "paperwork seen"}).status_code == 201
    raised_id, raised_no = _open_item(private, OFFICE, "green")
    assert private.post("admin", _url(raised_id, raised_no), json={"lane": "red", "reason": "tip-off"}).status_code == 201
    with private.portal.warehouse() as wh:
        options = IntegrityOptions()
        decisions = lane_decisions(wh)
        rows = lane_downgrade_counts(wh, inspected_items(wh, options), "officer", decisions, options)
        officers = {r["officer_id"]: r for r in rows}
        changed = [r for r in _officer_rows(wh) if r["decided_by"] == "officer"]
    # every item the officer changed is handled once, and lowering red to yellow or green is a downgrade
    assert officers["officer"]["n"] == len({(r["declaration_id"], r["item_no"]) for r in changed})
    assert officers["officer"]["k"] == officers["officer"]["n"] >= 1
    assert officers["admin"] == {"office_id": OFFICE, "officer_id": "admin", "n": 1, "k": 0}  # raised: no downgrade


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"lane": "green"}, 422, "reason"),
        ({"lane": "green", "reason": "     "}, 422, "say why the lane is changed"),
        ({"lane": "purple", "reason": "because"}, 422, "lane"),
        ({"lane": "red", "reason": "because"}, 409, "is in the red lane already"),
    ],
)
def test_a_change_without_reason_or_to_the_same_lane_is_refused(private, body, status, message):
    declaration_id, item_no = _open_item(private, OFFICE, "red")
    r = private.post("officer", _url(declaration_id, item_no), json=body)
    assert r.status_code == status and message in r.text
    with private.portal.warehouse() as wh:
        assert not [x for x in _officer_rows(wh) if (x["declaration_id"], x["item_no"]) == (declaration_id, item_no)]


def test_no_decision_another_office_or_another_role_is_refused(private):
    undecided = _open_item(private, OFFICE, None)
    r = private.post("officer", _url(*undecided), json={"lane": "red", "reason": "tip-off"})
    assert r.status_code == 409 and "no lane has been decided" in r.text
    other = _open_item(private, OTHER_OFFICE, "red")
    assert private.post("officer", _url(*other), json={"lane": "green", "reason": "x-ray clear"}).status_code == 404
    assert private.post("analyst", _url(*other), json={"lane": "green", "reason": "x-ray clear"}).status_code == 403
    assert private.post("manager", _url(*other), json={"lane": "green", "reason": "x-ray clear"}).status_code == 403


def test_the_page_asks_before_changing(private):
    declaration_id, item_no = _open_item(private, OFFICE, "yellow")
    form = {"lane": "green", "reason": "documents checked at the counter"}
    asked = private.post("officer", _url(declaration_id, item_no, api=False), data=form)
    assert asked.status_code == 200
    assert "from yellow (selected by model) to green" in asked.text and 'name="confirm"' in asked.text
    with private.portal.warehouse() as wh:
        assert not [x for x in _officer_rows(wh) if (x["declaration_id"], x["item_no"]) == (declaration_id, item_no)]
    done = private.post("officer", _url(declaration_id, item_no, api=False), data={**form, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith(f"?rerouted={item_no}#lanes")
    page = private.get("officer", done.headers["location"])
    assert f"Lane changed for item {item_no}." in page.text and "documents checked at the counter" in page.text
