"""The portal in a real browser (Debian's Chromium, headless, through Playwright) against a live server.

An officer signs in, reads the overview, searches a declaration, opens it, records an inspection
result from the queue and signs out. Screenshots of each step are kept as test artifacts in
``$CLEARSIGHT_TEST_ARTIFACTS/portal`` (default ``build/test-artifacts/portal``, which git ignores).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engines import CHROMIUM, chromium_available, skip_or_fail
from portal_live import OFFICE, password_of, start_portal, trained_home, workspace

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("CLEARSIGHT_TEST_ARTIFACTS", Path(__file__).parents[2] / "build" / "test-artifacts")) / "portal"


@pytest.fixture(scope="module", autouse=True)
def chromium():
    """Checked before anything is built for the browser: a missing Chromium costs nothing."""
    if not chromium_available():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser_portal(tmp_path_factory, synthetic_warehouse_file):
    home = trained_home(tmp_path_factory, synthetic_warehouse_file)
    server, _ = start_portal(workspace(home, tmp_path_factory.mktemp("browser-home")))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_officer_journey(browser_portal, page):
    base = browser_portal.url
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)

    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    page.fill("#username", "officer")
    page.fill("#password", "not the password")
    page.click("#sign-in")
    assert page.locator(".error").inner_text() == "wrong user name or password"
    page.fill("#username", "officer")
    page.fill("#password", password_of("officer"))
    page.click("#sign-in")
    page.wait_for_selector("#chart-volumes .main-svg")  # Plotly drew the chart: its JS came from the portal
    assert page.locator("h1").inner_text() == "Overview"
    assert int(page.locator("#kpi-items").inner_text().replace(",", "")) > 0
    shot(page, "01-overview")

    page.click("text=Declarations")
    page.fill("#search", "IM000109")
    page.click("#search-button")
    rows = page.locator("#results tbody tr")
    if rows.count() == 0:  # this importer may not trade through the officer's office
        page.fill("#search", "")
        page.click("#search-button")
    assert page.locator("#results tbody tr").count() > 0
    shot(page, "02-search")
    first = page.locator("#results tbody tr a").first
    declaration_id = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == f"Declaration {declaration_id}"
    assert f"Office {OFFICE}" in page.content()
    assert page.locator("#importer-history").is_visible()
    shot(page, "03-declaration")

    page.click("text=Queue")
    form = page.locator("#queue form.record").first
    item_declaration = form.locator("input[name=declaration_id]").get_attribute("value")
    form.locator("select[name=result]").select_option("fraud")
    form.locator("input[name=fraud_type]").fill("valuation")
    form.locator("input[name=additional_revenue]").fill("2500")
    form.locator("button").click()  # nothing chosen for the method: the browser asks for it
    assert page.locator("#confirm").count() == 0
    form.locator("select[name=method]").select_option("physical")
    form.locator("button").click()
    assert page.locator("#question").inner_text().startswith("Record fraud for item ")
    page.click("#confirm")
    assert page.locator("#recorded").inner_text().startswith(f"Result recorded for {item_declaration}/")
    shot(page, "04-recorded")
    with browser_portal.portal.warehouse() as wh:
        i = wh.table("inspections")
        saved = i.filter((i.declaration_id == item_declaration) & (i.officer_id == "officer")).to_pyarrow().to_pylist()
    assert saved and saved[0]["result"] == "fraud" and saved[0]["additional_revenue"] == 2500

    page.click("#logout")
    assert page.url.startswith(f"{base}/login")
    page.goto(f"{base}/queue")
    assert page.url.startswith(f"{base}/login")
    shot(page, "05-signed-out")
    assert outside == [], f"the portal fetched from outside: {outside}"
    assert all((ARTIFACTS / f"{n}.png").stat().st_size > 5_000 for n in ("01-overview", "02-search", "03-declaration", "04-recorded"))
