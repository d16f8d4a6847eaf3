"""An officer's day in a real browser (Debian's Chromium, headless, through Playwright): sign in, open
the queue, filter it to the strictest lane that has items, export that list as CSV, record a result
through the confirmation step, then correct it on the declaration's page with a reason. The page
then shows the first entry struck through and the correction in force, and the audit log, read by an
auditor, holds the export, the record and the correction. Then a lane changed with a reason.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest
from browser_checks import analysed_portal, sign_in

from browser import chromium as launch_chromium
from engines import CHROMIUM, chromium_available, skip_or_fail
from portal_live import OFFICE, token

LANE_ORDER = ("red", "yellow", "blue", "green")


@pytest.fixture(scope="module")
def chromium():
    """Checked before anything is built for the browser: a missing Chromium costs nothing."""
    if not chromium_available():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def portal(chromium, tmp_path_factory, synthetic_warehouse_file, synthetic_world_dir):
    server, _ = analysed_portal(tmp_path_factory, synthetic_warehouse_file, synthetic_world_dir, "officer-day-home")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def officer(portal):
    with launch_chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        page = context.new_page()
        sign_in(page, portal.url, "officer")
        yield page
        context.close()


def test_officer_filters_exports_records_and_corrects(portal, officer):
    page, base = officer, portal.url

    # The queue, strictest lane first: its first row names the strictest lane with items.
    page.click("header nav a[href='/queue']")
    page.wait_for_selector("#queue tbody tr")
    lane = page.locator("#queue tbody tr").first.locator(".lane").inner_text()
    assert lane in LANE_ORDER

    # Filter to that lane through the form.
    page.select_option(".listing-filters select[name=lane]", lane)
    page.click(".listing-filters button[type=submit]")
    page.wait_for_url(re.compile(rf"/queue\?.*lane={lane}"))
    shown_lanes = set(page.locator("#queue tbody tr .lane").all_inner_texts())
    assert shown_lanes == {lane}, f"filtered to {lane}, the queue shows {shown_lanes}"
    total = int(re.search(r"of ([\d,]+) items", page.locator(".pager .count").first.inner_text()).group(1).replace(",", ""))

    # Export what the filter shows.
    with page.expect_download() as download:
        page.locator(".pager a.export").first.click()
    exported = download.value
    assert exported.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(exported.path()).read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["declaration_id", "item_no"] and {"lane", "office_id", "score"} <= set(header), header
    assert len(body) == total, f"the export holds {len(body)} rows, the list {total}"
    lane_at, office_at = header.index("lane"), header.index("office_id")
    assert {r[lane_at] for r in body} == {lane} and {r[office_at] for r in body} == {OFFICE}

    # Record a result for the first item: the form asks before it records.
    form = page.locator("#queue form.record").first
    declaration_id = form.locator("input[name=declaration_id]").get_attribute("value")
    item_no = form.locator("input[name=item_no]").get_attribute("value")
    form.locator("select[name=result]").select_option("fraud")
    form.locator("select[name=method]").select_option("physical")
    form.locator("input[name=fraud_type]").fill("valuation")
    form.locator("input[name=additional_revenue]").fill("2500")
    form.locator("button").click()
    assert page.locator("#question").inner_text() == f"Record fraud for item {item_no} of declaration {declaration_id}?"
    page.click("#confirm")
    assert page.locator("#recorded").inner_text() == f"Result recorded for {declaration_id}/{item_no}."
    page.goto(f"{base}/queue?lane={lane}")  # the item was the first of its lane; it has left the queue
    remaining = page.locator(f"#queue form.record:has(input[name=declaration_id][value='{declaration_id}'])"
                             f":has(input[name=item_no][value='{item_no}'])")
    assert remaining.count() == 0, "the recorded item is still waiting in the queue"

    # Correct it on the declaration's page, with the reason; it asks before it records.
    page.goto(f"{base}/declarations/{declaration_id}")
    page.click("#correct summary")
    correct = page.locator(f"#correct form[action$='/items/{item_no}/correct']")
    correct.locator("select[name=result]").select_option("compliant")
    correct.locator("input[name=reason]").fill("the goods matched the invoice on re-examination")
    correct.locator("button").click()
    assert page.locator("#question").inner_text() == (
        f"Correct the result of item {item_no} of declaration {declaration_id} from fraud to compliant?")
    page.click("#confirm")
    assert page.locator("#corrected").inner_text() == f"Correction recorded for item {item_no}."

    history = page.locator("#result-history tbody tr").filter(has=page.locator(f"td:first-child:text-is('{item_no}')"))
    assert history.count() == 2
    old, new = history.filter(has=page.locator("del")), history.filter(has_not=page.locator("del"))
    assert old.count() == 1 and new.count() == 1
    assert "superseded" in old.get_attribute("class") and old.locator("del").inner_text() == "fraud"
    assert new.locator("td").nth(1).inner_text() == "compliant"
    assert "the goods matched the invoice on re-examination" in new.inner_text()
    item_row = page.locator("#items tbody tr").filter(has=page.locator(f"td:first-child:text-is('{item_no}')"))
    assert item_row.locator("td").nth(7).inner_text() == "compliant (corrected)"

    # The audit log, read by an auditor, holds the export, the record and the correction.
    auth = {"Authorization": f"Bearer {token(base, 'auditor')}"}
    entries = httpx.get(f"{base}/api/v1/audit", params={"actor": "officer", "limit": 1000}, headers=auth).json()
    by_action = {}
    for e in entries:
        by_action.setdefault(e["action"], []).append(e)
    exports = [e for e in by_action.get("queue.export", []) if e["filter"].get("lane") == lane]
    assert len(exports) == 1 and exports[0]["rows"] == total and exports[0]["outcome"] == "ok"
    resource = f"declarations/{declaration_id}/items/{item_no}"
    records = [e for e in by_action.get("inspections.record", []) if e["resource"] == resource]
    assert len(records) == 1 and records[0]["filter"]["result"] == "fraud"
    corrections = [e for e in by_action.get("inspections.correct", []) if e["resource"] == resource]
    assert len(corrections) == 1
    assert corrections[0]["filter"]["was"] == "fraud" and corrections[0]["filter"]["result"] == "compliant"
    assert corrections[0]["filter"]["supersedes"] == records[0]["filter"]["batch_id"]
    assert corrections[0]["filter"]["reason"] == "the goods matched the invoice on re-examination"


def test_officer_changes_a_lane_with_a_reason(portal, officer):
    """A red item of the batch selection, lowered to yellow on the declaration's page: asked first,
    then shown among the lane decisions with the officer's name and reason, and audited."""
    page, base = officer, portal.url
    auth = {"Authorization": f"Bearer {token(base, 'officer')}"}
    rows = httpx.get(f"{base}/api/v1/declarations", headers=auth,
                     params={"office_id": OFFICE, "lane": "red", "result": "uninspected", "limit": 1}).json()
    assert rows, "the batch selection put no uninspected item of the office in red"
    declaration_id, item_no = rows[0]["declaration_id"], rows[0]["item_no"]

    page.goto(f"{base}/declarations/{declaration_id}")
    page.click("#change-lane summary")
    form = page.locator(f"#change-lane form[action$='/items/{item_no}/lane']")
    form.locator("select[name=lane]").select_option("yellow")
    form.locator("input[name=reason]").fill("the importer's papers were checked at the counter")
    form.locator("button").click()
    assert page.locator("#question").inner_text().startswith(
        f"Change the lane of item {item_no} of declaration {declaration_id} from red")
    page.click("#confirm")
    assert page.locator("#rerouted").inner_text() == f"Lane changed for item {item_no}."
    mine = page.locator("#lanes ~ table tbody tr").filter(
        has=page.locator("text=the importer's papers were checked at the counter"))
    assert mine.count() == 1 and "officer (officer)" in mine.inner_text()

    listed = httpx.get(f"{base}/api/v1/declarations", headers=auth, params={"q": declaration_id}).json()
    assert [(r["lane"], r["selected_by"]) for r in listed if r["item_no"] == item_no] == [("yellow", "officer")]
    audit = {"Authorization": f"Bearer {token(base, 'auditor')}"}
    entries = httpx.get(f"{base}/api/v1/audit", params={"actor": "officer", "limit": 1000}, headers=audit).json()
    changes = [e for e in entries if e["action"] == "lanes.change"
               and e["resource"] == f"declarations/{declaration_id}/items/{item_no}"]
    assert len(changes) == 1 and (changes[0]["filter"]["was"], changes[0]["filter"]["lane"]) == ("red", "yellow")
