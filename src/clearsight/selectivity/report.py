"""The selection report: one self-contained HTML page per ``clearsight select`` run — lanes by
office, what each reason (rule, random control, exploration, model) contributed, the rules' hits,
offices over budget, and the drift warnings of the model that scored the batch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.core import charts
from clearsight.core.palette import LANES
from clearsight.core.reports import pct, render_page, write_page
from clearsight.core.settings import Settings
from clearsight.core.warehouse import Warehouse
from clearsight.selectivity.select import SelectionResult

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {"offices": "chart-lanes-by-office", "reasons": "chart-reasons"}
#: Lanes in the order a report shows them (strictest first), coloured by the palette.
SHOWN = tuple(LANES)


def _stacked(x: list[str], counts: list[dict[str, int]], title: str, x_title: str) -> go.Figure | None:
    if not charts.enough_bars(x):
        return None
    fig = charts.figure(title, charts.lane_bars(x, counts, SHOWN), barmode="stack")
    fig.update_xaxes(type="category", title=x_title)
    return charts.count_axis(fig, "items")


def figures(data: dict) -> dict[str, go.Figure | None]:
    offices = list(data["offices"])
    selected = [r for r in data["reasons"] if r["reason"] != "none"]
    return {
        "offices": _stacked(offices, [data["offices"][o] for o in offices], "Lanes by office", "office"),
        "reasons": _stacked(
            [r["reason"] for r in selected],
            [r["lanes"] for r in selected],
            "What selected the items (green by default left out)",
            "selected by",
        ),
    }


def render_html(result: SelectionResult, drift: list[str], currency: str | None = None) -> str:
    data = result.to_json_dict()
    divs = {name: charts.div(fig, CHART_IDS[name]) for name, fig in figures(data).items()}
    return render_page(
        "clearsight.selectivity",
        "selection.html",
        {"pct": pct},
        data=data,
        charts=divs,
        drift=drift,
        lanes=SHOWN,
        currency=currency,
    )


def drift_lines(warehouse: Warehouse, settings: Settings) -> list[str]:
    """The drift warnings of the promoted model's population, where the drift module is installed."""
    try:
        from clearsight.risk import drift_warnings
    except ImportError:
        return []
    return drift_warnings(warehouse, settings)


def write_html(
    result: SelectionResult, path: Path, drift: list[str] | None = None, currency: str | None = None
) -> Path:
    """Write the report of ``result`` (with the drift warnings given; ``currency`` beside the expected
    revenue) and return its path."""
    return write_page(path, render_html(result, drift or [], currency))
