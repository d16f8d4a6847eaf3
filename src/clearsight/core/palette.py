"""The one palette of the portal and every report: lane colours, a categorical sequence, neutrals.

An officer who learns that red is a physical inspection on one page must read the same red on every
chart, badge and report, so every colour is named here once. ``portal/static/style.css`` carries the
lane badges :func:`lane_css` writes (a test fails when they differ) and the chart kit
(``clearsight.core.charts``) colours every chart from these names.
"""

from __future__ import annotations

#: Lane -> colour: the customs convention (green released, yellow documents, blue post-clearance
#: audit, red physical inspection). Order: the strictest first, as reports list lanes.
LANES: dict[str, str] = {
    "red": "#c0392b",
    "yellow": "#d4a017",
    "blue": "#2c6fbb",
    "green": "#2e8b57",
}
#: Text on a lane badge: dark on yellow (white on it fails contrast), white on the others.
LANE_TEXT: dict[str, str] = {"red": "#ffffff", "yellow": "#1d2330", "blue": "#ffffff", "green": "#ffffff"}

#: Series that are not lanes (methods, tables, strategies), in order; chosen to be told apart with
#: the common colour-vision deficiencies and not to repeat a lane's colour as the first choices.
CATEGORICAL: tuple[str, ...] = (
    "#4e79a7",  # blue
    "#f28e2b",  # orange
    "#59a14f",  # green
    "#b07aa1",  # purple
    "#76b7b2",  # teal
    "#9c755f",  # brown
    "#ff9da7",  # pink
    "#edc948",  # yellow
    "#e15759",  # red
    "#bab0ac",  # grey
)

#: Neutrals: text, secondary text, grid lines, reference lines, the page and its cards.
NEUTRAL: dict[str, str] = {
    "text": "#1d2330",
    "muted": "#5b6775",
    "grid": "#e3e8ee",
    "reference": "#8a94a1",
    "page": "#f6f7f9",
    "surface": "#ffffff",
}

#: A verdict's colour (a pass, something to watch, a failure), also for threshold bands.
STATUS: dict[str, str] = {"good": "#1a7f37", "watch": "#d4a017", "bad": "#b2182b"}

#: Low to high for a share that should be high (completeness): bad red to good blue.
DIVERGING: tuple[tuple[float, str], ...] = ((0.0, "#b2182b"), (0.5, "#fddbc7"), (0.9, "#d1e5f0"), (1.0, "#2166ac"))


def lane_colour(lane: str) -> str:
    """A lane's colour; an unknown lane (a value the palette does not name) is drawn neutral."""
    return LANES.get(str(lane).lower(), NEUTRAL["reference"])


def series_colour(i: int) -> str:
    """The ``i``-th colour of the categorical sequence (it repeats after ten series)."""
    return CATEGORICAL[i % len(CATEGORICAL)]


def translucent(colour: str, opacity: float) -> str:
    """A palette colour (``#rrggbb``) seen through: for bands and background bars behind a series."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {opacity})"


def lane_css() -> str:
    """The lane badges' CSS rules, one line per lane, as ``style.css`` and the reports carry them."""
    return "\n".join(
        f".lane.{lane} {{ background: {colour}; color: {LANE_TEXT[lane]}; }}" for lane, colour in LANES.items()
    )
