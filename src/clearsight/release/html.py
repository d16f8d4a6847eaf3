"""The release-time and indicator reports as self-contained HTML pages (Jinja2 + inline Plotly).

Like the quality report, each page embeds Plotly's JavaScript from the installed package once, so it
opens on an air-gapped network; nothing is fetched from a CDN.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup

from clearsight.core.reports import chart_div, pct, render_page, write_page

_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}
Figure = Callable[[dict[str, Any]], go.Figure | None]


def hours(value: float | None) -> str:
    """Hours for a reader: minutes below one hour."""
    if value is None:
        return "—"
    if abs(value) < 1:
        return f"{value * 60:.0f} min"
    return f"{value:,.1f} h"


def stages_figure(report: dict[str, Any]) -> go.Figure | None:
    stages = [s for s in report["stages"] if s["n"]]
    if not stages:
        return None
    labels = [f"{s['from']} → {s['to']} (n={s['n']:,})" for s in stages]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=[s["median_h"] for s in stages], name="median", orientation="h"))
    fig.add_trace(go.Bar(y=labels, x=[s["p90_h"] for s in stages], name="90th percentile", orientation="h"))
    fig.update_layout(title="Time per stage (hours)", barmode="group", xaxis_title="hours", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(420, 28 * len(stages)), margin={"l": 320, "r": 20, "t": 40, "b": 60})
    return fig


def curves_figure(report: dict[str, Any]) -> go.Figure | None:
    series = report["curves"]["series"]
    if not series:
        return None
    horizon = report["curves"]["horizon_h"]
    fig = go.Figure()
    for name, shares in series.items():
        fig.add_trace(go.Scatter(x=list(range(horizon + 1)), y=shares, mode="lines", name=name))
    for target in report["targets"]:
        if target <= horizon:
            fig.add_vline(x=target, line_dash="dot", line_color="#8a94a1", annotation_text=f"{target:g} h")
    fig.update_layout(
        title="Cumulative release curve: share released within h hours",
        xaxis_title="hours since arrival (lodgement when arrival is missing)",
        yaxis_tickformat=".0%",
        **_LAYOUT,
    )
    return fig


def _dimension_figure(report: dict[str, Any], dim: str, title: str) -> go.Figure | None:
    rows = report["dimensions"].get(dim) or []
    if not rows:
        return None
    x = [str(r[dim]) for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=[r["median_h"] for r in rows], name="median"))
    fig.add_trace(go.Bar(x=x, y=[r["p90_h"] for r in rows], name="90th percentile"))
    fig.update_layout(title=title, barmode="group", yaxis_title="hours", **_LAYOUT)
    fig.update_xaxes(type="category")
    return fig


def lanes_figure(report: dict[str, Any]) -> go.Figure | None:
    return _dimension_figure(report, "lane", "Release time by lane")


def hours_figure(report: dict[str, Any]) -> go.Figure | None:
    return _dimension_figure(report, "hour", "Release time by hour of arrival")


def edges_figure(report: dict[str, Any]) -> go.Figure | None:
    edges = report["paths"]["edges"][:20]
    if not edges:
        return None
    labels = [f"{e['from']} → {e['to']}" for e in edges]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=[e["n"] for e in edges],
            orientation="h",
            customdata=[[e["median_h"]] for e in edges],
            marker={
                "color": [e["median_h"] for e in edges],
                "colorscale": "Oranges",
                "showscale": True,
                "colorbar": {"title": "median h"},
            },
            hovertemplate="%{y}: %{x:,} times, median %{customdata[0]:.2f} h<extra></extra>",
        )
    )
    fig.update_layout(
        title="Directly-follows graph: most frequent transitions", xaxis_title="declarations", **_LAYOUT
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(420, 26 * len(edges)), margin={"l": 260, "r": 20, "t": 40, "b": 60})
    return fig


def _kpi_bars(rows: list[dict[str, Any]], key: str, value: str, title: str, fmt: str) -> go.Figure | None:
    rows = [r for r in rows if r.get(value) is not None]
    if not rows:
        return None
    fig = go.Figure(
        go.Bar(
            x=[str(r[key]) for r in rows],
            y=[r[value] for r in rows],
            customdata=[[r["selected"], r["declarations"]] for r in rows],
            hovertemplate="%{x}: %{y}<br>%{customdata[0]:,} controls of "
            "%{customdata[1]:,} declarations<extra></extra>",
        )
    )
    fig.update_layout(title=title, yaxis_tickformat=fmt, **_LAYOUT)
    fig.update_xaxes(type="category")
    return fig


def selection_figure(report: dict[str, Any]) -> go.Figure | None:
    return _kpi_bars(report["by_office"], "office_id", "selection_rate", "Selection rate by office", ".1%")


def hit_lane_figure(report: dict[str, Any]) -> go.Figure | None:
    rows = [{**r, "group": f"lane {r['lane']}"} for r in report["by_lane"]]
    rows += [{**r, "group": f"method {r['method']}"} for r in report["by_method"]]
    return _kpi_bars(
        rows, "group", "hit_rate", "Hit rate (controls finding an offence) by lane and method", ".1%"
    )


def revenue_figure(report: dict[str, Any]) -> go.Figure | None:
    return _kpi_bars(
        report["by_office"],
        "office_id",
        "revenue_per_inspection",
        "Revenue recovered per control, by office",
        ",.0f",
    )


def trend_figure(report: dict[str, Any]) -> go.Figure | None:
    trend = report["trend"]
    if not trend:
        return None
    months = [r["month"] for r in trend]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=months, y=[r["selection_rate"] for r in trend], name="selection rate"))
    fig.add_trace(go.Scatter(x=months, y=[r["hit_rate"] for r in trend], name="hit rate"))
    fig.update_layout(title="Monthly trend", yaxis_tickformat=".0%", **_LAYOUT)
    fig.update_xaxes(type="category")
    return fig


RELEASE_FIGURES: dict[str, Figure] = {
    "stages": stages_figure,
    "curves": curves_figure,
    "lanes": lanes_figure,
    "hours": hours_figure,
    "edges": edges_figure,
}
KPI_FIGURES: dict[str, Figure] = {
    "selection": selection_figure,
    "hits": hit_lane_figure,
    "revenue": revenue_figure,
    "trend": trend_figure,
}


def chart_divs(report: dict[str, Any], figures: dict[str, Figure]) -> dict[str, Markup | None]:
    """Chart name -> its div (id ``chart-<name>``), None when there is nothing to draw."""
    return {name: chart_div(make(report), f"chart-{name}") for name, make in figures.items()}


def render(template: str, report: dict[str, Any], figures: dict[str, Figure]) -> str:
    filters = {"pct": pct, "hours": hours}
    return render_page(
        "clearsight.release", template, filters, report=report, charts=chart_divs(report, figures)
    )


def write_release_html(report: dict[str, Any], path: Path) -> Path:
    return write_page(path, render("release.html", report, RELEASE_FIGURES))


def write_kpi_html(report: dict[str, Any], path: Path) -> Path:
    return write_page(path, render("kpi.html", report, KPI_FIGURES))
