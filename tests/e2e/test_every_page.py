"""Every page of the portal in a real browser (Debian's Chromium, headless, through Playwright), at
1280 and 1920 px: no table, chart or form is wider than its container (a deliberate horizontal
scroller may hold a wider table, but the page never scrolls sideways), and every lane badge has its
lane's colour from the palette. Each page's window at 1280 × 800 is saved as a screenshot for the
user guide (docs/portal.md, "The pages"); regenerate them with

    CLEARSIGHT_SCREENSHOTS=docs/screenshots .venv/bin/pytest -q tests/e2e/test_every_page.py

The pages are the navigation bar's (an admin sees them all), so a new page is covered, and must have
its screenshot in the guide, as soon as it is in the bar; plus a declaration, a trader, the confirmation step,
the password page and the sign-in page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from browser_checks import (
    ROOT,
    analysed_portal,
    badge_problems,
    layout_problems,
    save_screenshot,
    sign_in,
    wait_drawn,
)

from browser import chromium as launch_chromium
from clearsight.core.warehouse import connect
from clearsight.forecast import ForecastOptions, ModelOptions, forecast_revenue, store_forecasts
from clearsight.portal.pages.render import NAV
from engines import CHROMIUM, chromium_available, skip_or_fail

GUIDE = ROOT / "docs" / "portal.md"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDTHS = ((1280, 800), (1920, 1080))


def shot_name(path: str) -> str:
    """The screenshot's file name (no suffix) of a page path: ``/`` overview, ``/admin/users`` admin-users."""
    return path.strip("/").replace("/", "-") or "overview"


@dataclass(frozen=True)
class Screen:
    """A page to look at: its screenshot's name and how it is reached."""

    name: str
    path: str | None = None  # opened by address; None: reached by the steps in ``open_screen``
    signed_in: bool = True


SCREENS = (
    *(Screen(shot_name(path), path) for _, path, _ in NAV),
    Screen("declaration"),
    Screen("trader"),
    Screen("confirm"),
    Screen("password", "/password"),
    Screen("login", "/login", signed_in=False),
)
#: Pages whose content holds lane badges in this workspace (a stored selection, a promoted model).
WITH_BADGES = {"queue", "declaration", "selection"}


@pytest.fixture(scope="module")
def chromium():
    """Checked before anything is built for the browser: a missing Chromium costs nothing."""
    if not chromium_available():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def portal(chromium, tmp_path_factory, synthetic_warehouse_file, synthetic_world_dir):
    """An analysed workspace with a stored revenue forecast too, so that every page has content."""
    server, home = analysed_portal(tmp_path_factory, synthetic_warehouse_file, synthetic_world_dir, "pages-home")
    with server.portal.warehouse() as wh:
        report = forecast_revenue(wh, ForecastOptions(measures=("duty",), min_share=0.05, models=ModelOptions(horizon=6)))
        store_forecasts(wh, report)
    server.showcase = showcase_declaration(home)
    yield server
    server.stop()


def showcase_declaration(home) -> str:
    """A declaration with an inspection result that the last selection sent to red or yellow, red
    first: its page shows every section filled."""
    wh = connect(f"duckdb://{home / 'warehouse.duckdb'}")
    try:
        s, i = wh.table("selections"), wh.table("inspections")
        strict = s.filter(s.lane.isin(("red", "yellow"))).select("declaration_id", "lane")
        both = strict.join(i.select("declaration_id").distinct(), "declaration_id")
        first = both.order_by([(both.lane == "red").desc(), "declaration_id"]).limit(1).to_pyarrow()
        assert first.num_rows, "no red or yellow item of the stored selection has an inspection result"
        return first.column("declaration_id")[0].as_py()
    finally:
        wh.close()


@pytest.fixture(scope="module")
def browser(portal):
    with launch_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def admin(browser, portal):
    """One signed-in admin session for every page (an admin's navigation bar offers every page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, portal.url, "admin")
    yield page
    context.close()


def open_screen(page, base: str, screen: Screen, showcase: str) -> None:
    if screen.path is not None:
        page.goto(f"{base}{screen.path}")
    elif screen.name == "declaration":
        page.goto(f"{base}/declarations/{showcase}")
    elif screen.name == "trader":  # the showcase declaration's importer, by the declaration's link
        page.goto(f"{base}/declarations/{showcase}")
        page.click("#trader-link")
        page.wait_for_url(re.compile(r".*/traders/party:.*"))
    elif screen.name == "confirm":  # the queue's first item, up to the question; nothing is recorded
        page.goto(f"{base}/queue")
        form = page.locator("#queue form.record").first
        form.locator("select[name=result]").select_option("fraud")
        form.locator("select[name=method]").select_option("physical")
        form.locator("input[name=fraud_type]").fill("valuation")
        form.locator("input[name=additional_revenue]").fill("2500")
        form.locator("button").click()
        page.wait_for_selector("#question")
    wait_drawn(page)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_page_fits_and_screenshot(browser, admin, portal, screen):
    context = None
    page = admin
    if not screen.signed_in:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 800})
        open_screen(page, portal.url, screen, portal.showcase)
        assert page.locator("main h1").count() == 1, f"{screen.name}: {page.url} shows no page title"
        assert not page.locator("main h1", has_text=re.compile("^(Not found|Forbidden|Error)")).count()
        problems, badges = [], 0
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            wait_drawn(page)
            problems += layout_problems(page, f"{screen.name} at {width} px")
            counted, wrong = badge_problems(page, f"{screen.name} at {width} px")
            badges, problems = max(badges, counted), problems + wrong
            if width == 1280:
                save_screenshot(page, screen.name)
        assert not problems, "\n".join(problems)
        if screen.name in WITH_BADGES:
            assert badges, f"{screen.name} shows no lane badge"
    finally:
        if context is not None:
            context.close()


def referenced_screenshots() -> set[str]:
    """The screenshots the user guide shows (their names, without .png)."""
    return set(re.findall(r"\]\(screenshots/([a-z0-9-]+)\.png\)", GUIDE.read_text(encoding="utf-8")))


def test_every_page_has_its_screenshot_in_the_guide():
    """Needs no browser: the guide shows every page and each screenshot it shows is there."""
    shown = referenced_screenshots()
    missing = [s.name for s in SCREENS if s.name not in shown]
    assert not missing, f"docs/portal.md shows no screenshot of: {', '.join(missing)} (see this module's docstring)"
    absent = sorted(n for n in shown if not (DOCS_SCREENSHOTS / f"{n}.png").is_file())
    assert not absent, f"docs/portal.md shows screenshots that docs/screenshots lacks: {', '.join(absent)}"
    unused = sorted(p.stem for p in DOCS_SCREENSHOTS.glob("*.png") if p.stem not in shown)
    assert not unused, f"docs/screenshots holds screenshots the guide does not show: {', '.join(unused)}"
