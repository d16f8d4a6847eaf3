"""Layout of the portal in a real browser (Debian's Chromium, headless, through Playwright): every
Plotly chart fits its card at 1280 px and after the window grows to 1920 px, no page scrolls
sideways, monthly axes tick every month, and /quality sits inside the portal's frame.

Screenshots are kept in ``$CLEARSIGHT_TEST_ARTIFACTS/layout`` (default ``build/test-artifacts/layout``).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from browser_checks import analysed_portal

from browser import chromium as launch_chromium
from engines import CHROMIUM, chromium_available, skip_or_fail
from portal_live import password_of, token

ARTIFACTS = Path(os.environ.get("CLEARSIGHT_TEST_ARTIFACTS", Path(__file__).parents[2] / "build" / "test-artifacts")) / "layout"
#: The pages with charts (or that frame a report) an analyst opens.
PAGES = ("/", "/quality", "/models", "/selection", "/releases")

#: Each chart's drawn width against its container's; the page's against the window's.
MEASURE = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')].map(p => {
    const svg = p.querySelector('svg.main-svg');
    const box = p.parentElement;
    const style = getComputedStyle(box);
    const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {id: p.id, drawn: svg ? svg.getBoundingClientRect().width : -1, container: inner,
            card: box.getBoundingClientRect().right, window: window.innerWidth};
  });
  return {plots, page: document.documentElement.scrollWidth, window: window.innerWidth};
}"""


@pytest.fixture(scope="module", autouse=True)
def chromium():
    if not chromium_available():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def layout_portal(tmp_path_factory, synthetic_warehouse_file, synthetic_world_dir):
    """A portal with a promoted model, a stored selection, and the synthetic world's record of its
    national currency where the demo keeps it."""
    server, _ = analysed_portal(tmp_path_factory, synthetic_warehouse_file, synthetic_world_dir, "layout-home")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as launched:
        yield launched


@pytest.fixture
def signed_in(browser, layout_portal):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{layout_portal.url}/login")
    page.fill("#username", "analyst")
    page.fill("#password", password_of("analyst"))
    page.click("#sign-in")
    page.wait_for_url(f"{layout_portal.url}/")
    yield page
    context.close()


def drawn(page) -> dict:
    """Wait until every chart on the page is drawn, then measure."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('svg.main-svg'))"
    )
    page.wait_for_timeout(300)  # Plotly's responsive resize runs after the window's resize event
    return page.evaluate(MEASURE)


def assert_fits(measured: dict, where: str) -> None:
    for plot in measured["plots"]:
        assert plot["drawn"] <= plot["container"] + 1, f"{where}: {plot['id']} is {plot['drawn']:.0f} px in a {plot['container']:.0f} px card"
        assert plot["card"] <= plot["window"], f"{where}: {plot['id']}'s card runs past the window"
    assert measured["page"] <= measured["window"], f"{where}: the page scrolls sideways ({measured['page']} px)"


@pytest.mark.parametrize("path", PAGES)
def test_charts_fit_their_cards(signed_in, layout_portal, path):
    page = signed_in
    page.goto(f"{layout_portal.url}{path}")
    assert page.locator("header nav a[href='/quality']").count() == 1, f"{path} lacks the navigation bar"
    measured = drawn(page)
    if path in ("/", "/quality", "/models", "/selection"):
        assert measured["plots"], f"{path} drew no chart"
    assert_fits(measured, f"{path} at 1280 px")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{path.strip('/') or 'overview'}-1280.png"), full_page=True)

    page.set_viewport_size({"width": 1920, "height": 1000})
    assert_fits(drawn(page), f"{path} at 1920 px")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_fits(drawn(page), f"{path} back at 1280 px")


def test_quality_is_inside_the_portal_frame(signed_in, layout_portal):
    page = signed_in
    page.goto(f"{layout_portal.url}/quality")
    assert page.locator("#logout").is_visible() and page.locator("h1").first.inner_text() == "Data quality"
    assert page.locator("#quality-report #summary").is_visible()
    drawn(page)
    ticks = page.locator("#chart-rows-by-period .xtick text").all_text_contents()
    years = {2000 + int(t[-2:]) if len(t.split()[-1]) == 2 else int(t[-4:]) for t in ticks if t[-2:].isdigit()}
    assert years and min(years) >= 2015, f"the rows-by-month axis runs from {min(years)}"


def test_every_month_is_ticked_on_the_overview(signed_in, layout_portal):
    page = signed_in
    auth = {"Authorization": f"Bearer {token(layout_portal.url, 'analyst')}"}
    months = [m["month"] for m in httpx.get(f"{layout_portal.url}/?format=json", headers=auth).json()["months"]]
    drawn(page)
    ticks = page.locator("#chart-volumes .xtick").count()
    assert ticks == len(months) > 12, f"{ticks} month ticks for {len(months)} months"
    assert page.locator("#kpi-revenue").inner_text().endswith(" KES")
