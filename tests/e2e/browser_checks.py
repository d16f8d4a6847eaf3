"""What the browser tests share: a portal with something on every page (a promoted model, a stored
selection, the world's currency), signing in, the layout checks (nothing wider than its container,
lane badges in the palette's colours) and screenshots.

A plain module imported by name (tests/e2e is on the test path), not a conftest: see ``engines.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from clearsight.core.palette import LANES
from clearsight.core.store import open_store
from clearsight.core.warehouse import connect
from clearsight.entities import resolve_warehouse
from clearsight.selectivity.select import SelectSettings, select_batch
from portal_live import LiveServer, password_of, start_portal, trained_home, workspace

ROOT = Path(__file__).parents[2]
#: The month the stored selection decides (the synthetic world's last full month).
SELECTION_MONTH = (dt.date(2024, 11, 1), dt.date(2024, 11, 30))


def analysed_portal(tmp_path_factory, warehouse_file: Path, world_dir: Path, name: str) -> tuple[LiveServer, Path]:
    """A live portal on a private workspace: a promoted model, a stored batch selection, resolved
    entities, and the
    synthetic world's record of its national currency where the demo keeps it. Returns the server
    and the workspace's home."""
    settings = workspace(trained_home(tmp_path_factory, warehouse_file), tmp_path_factory.mktemp(name))
    (settings.home / "demo-world").mkdir()
    shutil.copyfile(world_dir / "world.json", settings.home / "demo-world" / "world.json")
    store, wh = open_store(settings), connect(settings.warehouse_url)
    try:
        select_batch(settings, wh, store, *SELECTION_MONTH, SelectSettings().policy())
        resolve_warehouse(wh)  # the trader pages and the audit candidates read the entities
    finally:
        wh.close()
        store.close()
    server, _ = start_portal(settings)
    return server, settings.home


def sign_in(page, base: str, role: str) -> None:
    """Sign in through the form, as people do, and land on the overview."""
    page.goto(f"{base}/login")
    page.fill("#username", role)
    page.fill("#password", password_of(role))
    page.click("#sign-in")
    page.wait_for_url(f"{base}/")


def wait_drawn(page) -> None:
    """Wait until the page has loaded and every chart is drawn and has followed its card's width."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('svg.main-svg'))"
    )
    page.wait_for_timeout(300)  # Plotly's responsive resize runs after the window's resize event


#: Every table, chart card, Plotly drawing and form measured against each block ancestor's content
#: box up to <body>: a horizontal scroller (overflow-x auto or scroll) may hold something wider, and
#: from there up it is the scroller that must fit. Hidden elements (a closed <details>) are left out.
MEASURE_FIT = """() => {
  const BLOCK = new Set(['block', 'flex', 'grid', 'flow-root', 'list-item', 'table-cell', 'inline-block',
                         'inline-flex', 'inline-grid']);
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    ((el.getAttribute('class') || '').trim() ? '.' + el.getAttribute('class').trim().split(/\\s+/).join('.') : '');
  const width = el => Math.max(el.scrollWidth || 0, el.getBoundingClientRect().width);
  const problems = [];
  let measured = 0;
  for (const el of document.querySelectorAll('main table, main .chart, main svg.main-svg, form')) {
    if (!el.checkVisibility()) continue;
    measured++;
    let inside = el, w = width(el);
    for (let box = el.parentElement; box && box !== document.documentElement; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (!BLOCK.has(style.display)) continue;
      if (['auto', 'scroll'].includes(style.overflowX)) { inside = box; w = box.getBoundingClientRect().width; continue; }
      const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (w > inner + 1) {
        problems.push(`${name(inside)} is ${Math.round(w)} px wide in ${name(box)}, ${Math.round(inner)} px inside`);
        break;
      }
    }
  }
  return {problems, measured, page: document.documentElement.scrollWidth, window: window.innerWidth};
}"""

#: Every lane badge: its classes and computed background colour.
MEASURE_BADGES = """() => [...document.querySelectorAll('.lane')].map(b => ({
  classes: [...b.classList], text: b.textContent.trim(), background: getComputedStyle(b).backgroundColor}))"""


def rgb(hex_colour: str) -> str:
    """``#c0392b`` as the browser computes it: ``rgb(192, 57, 43)``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def layout_problems(page, where: str) -> list[str]:
    """What does not fit on the page as it is drawn now (an empty list when everything fits)."""
    measured = page.evaluate(MEASURE_FIT)
    problems = [f"{where}: {p}" for p in measured["problems"]]
    if measured["page"] > measured["window"]:
        problems.append(f"{where}: the page scrolls sideways ({measured['page']} px in a {measured['window']} px window)")
    if not measured["measured"]:
        problems.append(f"{where}: no table, chart or form to measure")
    return problems


def badge_problems(page, where: str) -> tuple[int, list[str]]:
    """How many lane badges the page shows, and each one not in its lane's palette colour."""
    badges = page.evaluate(MEASURE_BADGES)
    problems = []
    for b in badges:
        lanes = [c for c in b["classes"] if c in LANES]
        if len(lanes) != 1:
            problems.append(f"{where}: a lane badge {b['text']!r} has classes {b['classes']}, not one lane of {list(LANES)}")
        elif b["background"] != rgb(LANES[lanes[0]]):
            problems.append(f"{where}: the {lanes[0]} badge is {b['background']}, the palette's {lanes[0]} is {rgb(LANES[lanes[0]])}")
    return len(badges), problems


def screenshots_dir() -> Path:
    """Where the page screenshots go: ``$CLEARSIGHT_SCREENSHOTS`` (relative to the repository), by
    default under build/ so that a test run never writes into the repository's docs."""
    return ROOT / os.environ.get("CLEARSIGHT_SCREENSHOTS", "build/test-artifacts/screenshots")


def save_screenshot(page, name: str) -> Path:
    """The window as people see it (not the full page), as a small PNG: reduced to 256 colours, which
    flat pages and charts keep without a visible change."""
    out = screenshots_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with matplotlib, a dependency; without it the PNG stays as drawn
        return path
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path
