"""The selection report: one self-contained HTML page per ``clearsight select`` run — lanes by
office, what each reason (rule, random control, exploration, model) contributed, the rules' hits,
offices over budget, and the drift warnings of the model that scored the batch."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from clearsight.core.reports import chart_div, pct, render_page, write_page
from clearsight.core.settings import Settings
from clearsight.core.warehouse import Warehouse
from clearsight.selectivity.select import SelectionResult

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {"offices": "chart-lanes-by-office", "reasons": "chart-reasons"}
LANE_COLOURS = {"red": "#c62828", "yellow": "#f2b600", "blue": "#1f77b4", "green": "#2e7d32"}
#: Lanes in the order a report shows them (strictest first).
SHOWN = tuple(LANE_COLOURS)
_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 80}, "template": "plotly_white", "barmode": "stack"}


def _stacked(x: list[str], counts: list[dict[str, int]], title: str, x_title: str) -> go.Figure:
    fig = go.Figure()
    for lane in SHOWN:
        fig.add_trace(
            go.Bar(x=x, y=[c.get(lane, 0) for c in counts], name=lane, marker_color=LANE_COLOURS[lane])
        )
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title="items", **_LAYOUT)
    fig.update_xaxes(type="category")
    return fig


def figures(data: dict) -> dict[str, go.Figure]:
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


def render_html(result: SelectionResult, drift: list[str]) -> str:
    data = result.to_json_dict()
    charts = {name: chart_div(fig, CHART_IDS[name], "460px") for name, fig in figures(data).items()}
    return render_page(
        "clearsight.selectivity",
        "selection.html",
        {"pct": pct},
        data=data,
        charts=charts,
        drift=drift,
        lanes=SHOWN,
    )


def drift_lines(warehouse: Warehouse, settings: Settings) -> list[str]:
    """The drift warnings of the promoted model's population, where the drift module is installed."""
    try:
        from clearsight.risk import drift_warnings
    except ImportError:
        return []
    return drift_warnings(warehouse, settings)


def write_html(result: SelectionResult, path: Path, drift: list[str] | None = None) -> Path:
    """Write the report of ``result`` (with the drift warnings given) and return its path."""
    return write_page(path, render_html(result, drift or []))
