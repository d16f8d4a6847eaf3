"""The simulation report: one self-contained HTML page (shared report base, inline Plotly charts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from markupsafe import Markup

from clearsight.core.reports import chart_div, pct, render_page, write_page
from clearsight.lab.simulate import SCHEME_FOUND, SimulationResult

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {
    "cumulative": "chart-cumulative-revenue",
    "precision": "chart-precision",
    "critical": "chart-critical-recall",
    "scheme": "chart-scheme",
}
COLOURS = {"random": "#8a94a1", "rules": "#e0a800", "model": "#2c7fb8", "model+explore": "#1a7f37"}
_LAYOUT = {"margin": {"l": 70, "r": 20, "t": 50, "b": 50}, "template": "plotly_white"}


def _line(fig: go.Figure, name: str, y: list, **kw) -> None:
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


def figures(result: SimulationResult) -> dict[str, go.Figure]:
    data = result.to_json_dict()
    strategies = data["strategies"]
    out = {}
    fig = go.Figure()
    oracle = max(strategies.values(), key=lambda s: s["oracle_revenue"])
    _line(
        fig, "oracle", np.cumsum(oracle["oracle_weekly"]).tolist(), line={"dash": "dash", "color": "#1d2733"}
    )
    for name, s in strategies.items():
        _line(fig, name, np.cumsum(s["revenue"]).tolist())
    fig.update_layout(
        title="Cumulative revenue recovered, against the oracle", xaxis_title="simulated week", **_LAYOUT
    )
    fig.update_yaxes(title="revenue (national currency)", rangemode="tozero")
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
        fig = go.Figure()
        for name, values in series.items():
            _line(fig, name, values)
        fig.update_layout(title=title, xaxis_title="simulated week", **_LAYOUT)
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
        out[key] = fig

    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=list(range(1, result.weeks + 1)),
            y=result.scheme_items,
            name="scheme items lodged",
            marker_color="rgba(138, 148, 161, 0.25)",
            yaxis="y2",
        )
    )
    for name, s in strategies.items():
        _line(fig, name, np.cumsum(s["scheme_found"]).tolist())
    fig.add_hline(y=SCHEME_FOUND, line_dash="dot", annotation_text=f"detected ({SCHEME_FOUND} found)")
    fig.update_layout(
        title="The new scheme: its frauds found so far (lines) and its items lodged each week (bars)",
        xaxis_title="simulated week",
        yaxis={"title": "scheme frauds found (cumulative)", "rangemode": "tozero"},
        yaxis2={"title": "items lodged", "overlaying": "y", "side": "right", "showgrid": False},
        **_LAYOUT,
    )
    out["scheme"] = fig
    return out


def render_html(result: SimulationResult) -> str:
    charts = {name: chart_div(fig, CHART_IDS[name], "420px") for name, fig in figures(result).items()}
    return render_page(
        "clearsight.lab",
        "simulation.html",
        {"pct": pct, "money": _money},
        result=result,
        data=result.to_json_dict(),
        charts=charts,
    )


def _money(value: float | None) -> Markup:
    return Markup("—") if value is None else Markup(f"{value:,.0f}")


def write_html(result: SimulationResult, path: Path) -> Path:
    return write_page(path, render_html(result))
