"""The simulation report: one self-contained HTML page (shared report base, inline Plotly charts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from clearsight.core import charts
from clearsight.core.palette import CATEGORICAL, NEUTRAL, translucent
from clearsight.core.reports import pct, render_page, write_page
from clearsight.lab.simulate import SCHEME_FOUND, SimulationResult

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {
    "cumulative": "chart-cumulative-revenue",
    "precision": "chart-precision",
    "critical": "chart-critical-recall",
    "scheme": "chart-scheme",
}
COLOURS = {
    "random": NEUTRAL["reference"],
    "rules": CATEGORICAL[1],
    "model": CATEGORICAL[0],
    "model+explore": CATEGORICAL[2],
}


def _line(fig: go.Figure, name: str, y: list, **kw) -> None:
    go = charts.plotly()
    fig.add_trace(
        go.Scatter(
            x=list(range(1, len(y) + 1)),
            y=y,
            mode="lines+markers",
            name=name,
            line={
                "color": COLOURS.get(name),
                "width": 3 if name == "model+explore" else 2,
                **kw.pop("line", {}),
            },
            connectgaps=False,
            **kw,
        )
    )


def figures(result: SimulationResult, currency: str | None = None) -> dict[str, go.Figure]:
    go = charts.plotly()
    data = result.to_json_dict()
    strategies = data["strategies"]
    out = {}
    fig = charts.figure("Cumulative revenue recovered, against the oracle")
    oracle = max(strategies.values(), key=lambda s: s["oracle_revenue"])
    _line(
        fig, "oracle", np.cumsum(oracle["oracle_weekly"]).tolist(), line={"dash": "dash", "color": NEUTRAL["text"]}
    )
    for name, s in strategies.items():
        _line(fig, name, np.cumsum(s["revenue"]).tolist())
    fig.update_xaxes(title="simulated week")
    charts.count_axis(fig, f"revenue ({currency or 'national currency'})")
    out["cumulative"] = fig

    lodged = np.maximum(np.cumsum(result.critical_items), 1)
    for key, title, series in (
        (
            "precision",
            "Weekly precision (frauds found / items inspected)",
            {name: s["precision"] for name, s in strategies.items()},
        ),
        (
            # a handful of prohibited-goods items a week: the running share is what can be read
            "critical",
            "Recall of prohibited goods so far (found / lodged since the first week)",
            {name: (np.cumsum(s["critical_found"]) / lodged).tolist() for name, s in strategies.items()},
        ),
    ):
        fig = charts.figure(title)
        for name, values in series.items():
            _line(fig, name, values)
        fig.update_xaxes(title="simulated week")
        charts.share_axis(fig)
        out[key] = fig

    fig = charts.figure("The new scheme: its frauds found so far (lines), its items lodged each week (bars)")
    fig.add_trace(
        go.Bar(
            x=list(range(1, result.weeks + 1)),
            y=result.scheme_items,
            name="scheme items lodged",
            marker_color=translucent(NEUTRAL["reference"], 0.25),
            yaxis="y2",
        )
    )
    for name, s in strategies.items():
        _line(fig, name, np.cumsum(s["scheme_found"]).tolist())
    fig.add_hline(y=SCHEME_FOUND, line_dash="dot", annotation_text=f"detected ({SCHEME_FOUND} found)")
    fig.update_layout(
        xaxis_title="simulated week",
        yaxis={"title": "scheme frauds found (cumulative)", "rangemode": "tozero"},
        yaxis2={"title": "items lodged", "overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"},
    )
    out["scheme"] = fig
    return out


def render_html(result: SimulationResult, currency: str | None = None) -> str:
    divs = {name: charts.div(fig, CHART_IDS[name]) for name, fig in figures(result, currency).items()}
    return render_page(
        "clearsight.lab",
        "simulation.html",
        {"pct": pct},
        result=result,
        data=result.to_json_dict(),
        charts=divs,
        currency=currency,
    )


def write_html(result: SimulationResult, path: Path, currency: str | None = None) -> Path:
    """Write the report; ``currency`` beside each amount (the simulated world's national currency)."""
    return write_page(path, render_html(result, currency))
