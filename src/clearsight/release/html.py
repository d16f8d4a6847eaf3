"""The release-time and indicator reports as self-contained HTML pages (Jinja2 + inline Plotly).

Like the quality report, each page embeds Plotly's JavaScript from the installed package once, so it
opens on an air-gapped network; nothing is fetched from a CDN.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from clearsight.core import charts
from clearsight.core.palette import LANES, NEUTRAL, lane_colour, series_colour
from clearsight.core.reports import pct, render_page, write_page

if TYPE_CHECKING:
    import plotly.graph_objects as go

Figure = Callable[[dict[str, Any]], "go.Figure | None"]


def hours(value: float | None) -> str:
    """Hours for a reader: minutes below one hour."""
    if value is None:
        return "—"
    if abs(value) < 1:
        return f"{value * 60:.0f} min"
    return f"{value:,.1f} h"


def stages_figure(report: dict[str, Any]) -> go.Figure | None:
    stages = [s for s in report["stages"] if s["n"]]
    if not charts.enough_bars(stages):
        return None
    go = charts.plotly()
    labels = [f"{s['from']} → {s['to']} (n={s['n']:,})" for s in stages]
    fig = charts.figure(
        "Time per stage (hours)",
        [
            go.Bar(y=labels, x=[s["median_h"] for s in stages], name="median", orientation="h"),
            go.Bar(y=labels, x=[s["p90_h"] for s in stages], name="90th percentile", orientation="h"),
        ],
        barmode="group",
        height=max(380, 28 * len(stages) + 120),
    )
    fig.update_yaxes(autorange="reversed")
    return charts.count_axis(fig, "hours", axis="x")


def _curve_colour(name: str, i: int) -> str:
    """Overall in the text colour, a lane in its own, anything else from the sequence."""
    if name == "all":
        return NEUTRAL["text"]
    key, _, value = name.partition("=")
    return lane_colour(value) if key == "lane" and value in LANES else series_colour(i)


def curves_figure(report: dict[str, Any]) -> go.Figure | None:
    series = report["curves"]["series"]
    if not series:
        return None
    go = charts.plotly()
    horizon = report["curves"]["horizon_h"]
    fig = charts.figure("Cumulative release curve: share released within h hours")
    for i, (name, shares) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=list(range(horizon + 1)), y=shares, mode="lines", name=name.replace("=", " "),
                line={"color": _curve_colour(name, i), "width": 3 if name == "all" else 2},
            )
        )
    for target in report["targets"]:
        if target <= horizon:
            fig.add_vline(x=target, line_dash="dot", line_color=NEUTRAL["reference"], annotation_text=f"{target:g} h")
    fig.update_xaxes(title="hours since arrival (lodgement when arrival is missing)", rangemode="tozero")
    return charts.share_axis(fig, top=1.0)


def _dimension_figure(report: dict[str, Any], dim: str, title: str) -> go.Figure | None:
    rows = report["dimensions"].get(dim) or []
    if not charts.enough_bars(rows):
        return None
    go = charts.plotly()
    x = [str(r[dim]) for r in rows]
    if dim == "lane":  # each lane's bars in its colour, the 90th percentile lighter
        colours = charts.lane_colours(x)
        traces = [
            go.Bar(x=x, y=[r["median_h"] for r in rows], name="median", marker_color=colours),
            go.Bar(x=x, y=[r["p90_h"] for r in rows], name="90th percentile", marker_color=colours, opacity=0.5),
        ]
    else:
        traces = [
            go.Bar(x=x, y=[r["median_h"] for r in rows], name="median"),
            go.Bar(x=x, y=[r["p90_h"] for r in rows], name="90th percentile"),
        ]
    fig = charts.figure(title, traces, barmode="group")
    fig.update_xaxes(type="category")
    return charts.count_axis(fig, "hours")


def lanes_figure(report: dict[str, Any]) -> go.Figure | None:
    return _dimension_figure(report, "lane", "Release time by lane")


def hours_figure(report: dict[str, Any]) -> go.Figure | None:
    return _dimension_figure(report, "hour", "Release time by hour of arrival")


def edges_figure(report: dict[str, Any]) -> go.Figure | None:
    edges = report["paths"]["edges"][:20]
    if not charts.enough_bars(edges):
        return None
    go = charts.plotly()
    labels = [f"{e['from']} → {e['to']}" for e in edges]
    fig = charts.figure(
        "Most frequent transitions (directly-follows graph)",
        [go.Bar(
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
        )],
        height=max(380, 26 * len(edges) + 120),
    )
    fig.update_yaxes(autorange="reversed")
    return charts.count_axis(fig, "declarations", axis="x")


def _kpi_bars(
    rows: list[dict[str, Any]], key: str, value: str, title: str, fmt: str, lanes: bool = False
) -> go.Figure | None:
    rows = [r for r in rows if r.get(value) is not None]
    if not charts.enough_bars(rows):
        return None
    go = charts.plotly()
    x = [str(r[key]) for r in rows]
    bar: dict[str, Any] = {"marker_color": charts.lane_colours(r.get("lane", "") for r in rows)} if lanes else {}
    fig = charts.figure(
        title,
        [go.Bar(
            x=x,
            y=[r[value] for r in rows],
            customdata=[[r["selected"], r["declarations"]] for r in rows],
            hovertemplate="%{x}: %{y}<br>%{customdata[0]:,} controls of "
            "%{customdata[1]:,} declarations<extra></extra>",
            **bar,
        )],
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=fmt, rangemode="tozero")
    return fig


def selection_figure(report: dict[str, Any]) -> go.Figure | None:
    return _kpi_bars(report["by_office"], "office_id", "selection_rate", "Selection rate by office", ".1%")


def hit_lane_figure(report: dict[str, Any]) -> go.Figure | None:
    return _kpi_bars(
        [{**r, "group": f"lane {r['lane']}"} for r in report["by_lane"]],
        "group", "hit_rate", "Hit rate (controls finding an offence) by lane", ".1%", lanes=True,
    )


def method_figure(report: dict[str, Any]) -> go.Figure | None:
    return _kpi_bars(
        report["by_method"], "method", "hit_rate", "Hit rate (controls finding an offence) by method", ".1%"
    )


def revenue_figure(report: dict[str, Any], currency: str | None = None) -> go.Figure | None:
    unit = f" ({currency})" if currency else ""
    return _kpi_bars(
        report["by_office"], "office_id", "revenue_per_inspection", f"Revenue recovered per control{unit}, by office",
        ",.0f",
    )


def trend_figure(report: dict[str, Any]) -> go.Figure | None:
    trend = report["trend"]
    if not trend:
        return None
    go = charts.plotly()
    span = charts.month_span({r["month"]: r["declarations"] for r in trend})
    kept = set(span.months)
    trend = [r for r in trend if r["month"] in kept]
    months = [r["month"] for r in trend]
    fig = charts.figure(
        "Monthly trend",
        [
            go.Scatter(x=months, y=[r["selection_rate"] for r in trend], name="selection rate", mode="lines+markers"),
            go.Scatter(x=months, y=[r["hit_rate"] for r in trend], name="hit rate", mode="lines+markers"),
        ],
    )
    charts.month_axis(fig, span)
    return charts.share_axis(fig)


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
    "methods": method_figure,
    "revenue": revenue_figure,
    "trend": trend_figure,
}


def chart_divs(
    report: dict[str, Any], figures: dict[str, Figure], currency: str | None = None
) -> dict[str, Markup | None]:
    """Chart name -> its div (id ``chart-<name>``), None when there is nothing to draw."""
    made = {name: make(report) for name, make in figures.items() if make is not revenue_figure}
    if "revenue" in figures:
        made["revenue"] = revenue_figure(report, currency)
    return {name: charts.div(made[name], f"chart-{name}") for name in figures}


def render(template: str, report: dict[str, Any], figures: dict[str, Figure], currency: str | None = None) -> str:
    return render_page(
        "clearsight.release", template, {"pct": pct, "hours": hours}, report=report,
        charts=chart_divs(report, figures, currency), currency=currency,
    )


def write_release_html(report: dict[str, Any], path: Path) -> Path:
    return write_page(path, render("release.html", report, RELEASE_FIGURES))


def write_kpi_html(report: dict[str, Any], path: Path, currency: str | None = None) -> Path:
    """The indicators' page; ``currency`` beside each amount of revenue."""
    return write_page(path, render("kpi.html", report, KPI_FIGURES, currency))
