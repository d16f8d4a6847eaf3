"""The mirror report as one self-contained HTML page (Jinja2 template + Plotly charts, JS inline).

Like the quality report, the page must open on an air-gapped network: Plotly's JavaScript is embedded
once from the installed package, nothing is fetched from a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from clearsight.core import charts
from clearsight.core.palette import CATEGORICAL, NEUTRAL, STATUS
from clearsight.core.reports import money as format_money
from clearsight.core.reports import render_page, write_page
from clearsight.trade.mirror import PATTERNS
from clearsight.trade.report import MirrorReport, Total

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Chart name -> the id of its div in the page (tests and links rely on these ids).
CHART_IDS: dict[str, str] = {
    "scatter": "chart-mirror-scatter",
    "partners": "chart-top-partners",
    "products": "chart-top-products",
    "trends": "chart-trends",
}
PATTERN_COLOURS = {
    "consistent": NEUTRAL["reference"],
    "valuation": STATUS["bad"],
    "volume_or_classification": CATEGORICAL[1],
    "value_gap": CATEGORICAL[7],
    "entrepot": CATEGORICAL[3],
}
#: Mirror statistics (UN Comtrade and the like) are in US dollars, whatever the national currency.
CURRENCY = "USD"


def money(value: float | None) -> str:
    """A trade value in US dollars, short: "1.2 M USD"."""
    return format_money(value, CURRENCY, compact=True)


def ratio(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def scatter_figure(report: MirrorReport) -> go.Figure | None:
    """Imports (FOB-adjusted) against mirror exports, log axes; the diagonal is perfect agreement."""
    points = report.scatter
    if not points:
        return None
    go = charts.plotly()
    fig = charts.figure("Imports against mirror exports (USD, log axes)")
    for pattern in PATTERNS:
        group = [p for p in points if p.pattern == pattern]
        if not group:
            continue
        fig.add_trace(
            go.Scattergl(
                x=[p.mirror_export_value for p in group],
                y=[p.import_value for p in group],
                mode="markers",
                name=pattern,
                marker={"size": 6, "opacity": 0.7, "color": PATTERN_COLOURS.get(pattern)},
                customdata=[[p.reporter, p.partner, p.hs_code, p.period, p.robust_z] for p in group],
                hovertemplate=(
                    "%{customdata[0]} ← %{customdata[1]}, HS %{customdata[2]}, %{customdata[3]}"
                    "<br>imports (CIF) %{y:,.0f} USD<br>mirror exports (FOB) %{x:,.0f} USD"
                    "<br>robust z %{customdata[4]:.1f}<extra></extra>"
                ),
            )
        )
    lo = min(min(p.mirror_export_value or 1, p.import_value or 1) for p in points)
    hi = max(max(p.mirror_export_value or 1, p.import_value or 1) for p in points)
    fig.add_trace(
        go.Scatter(
            x=[lo, hi],
            y=[lo * report.cif_fob_factor, hi * report.cif_fob_factor],
            mode="lines",
            name=f"imports = exports × {report.cif_fob_factor:g}",
            line={"dash": "dot", "color": NEUTRAL["text"]},
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(type="log", title="partner's exports (FOB)")
    fig.update_yaxes(type="log", title="reporter's imports (CIF)")
    return fig


def _top_figure(totals: list[Total], title: str, axis: str) -> go.Figure | None:
    if not charts.enough_bars(totals):
        return None
    go = charts.plotly()
    use_revenue = any(t.revenue_at_risk for t in totals)
    y = [t.revenue_at_risk if use_revenue else t.flagged for t in totals]
    fig = charts.figure(
        f"{title} by {'revenue at risk (USD)' if use_revenue else 'flagged gaps'}",
        [
            go.Bar(
                x=[t.key for t in totals],
                y=y,
                customdata=[[t.flagged, t.pairs, t.import_fob, t.mirror_export_value] for t in totals],
                hovertemplate=(
                    "%{x}: %{customdata[0]} flagged of %{customdata[1]} pairs"
                    "<br>imports (FOB) %{customdata[2]:,.0f}, mirror exports %{customdata[3]:,.0f}"
                    "<extra></extra>"
                ),
            )
        ],
    )
    fig.update_xaxes(type="category", title=axis)
    return charts.count_axis(fig)


def trends_figure(report: MirrorReport) -> go.Figure | None:
    periods = report.by_period
    if not periods:
        return None
    go = charts.plotly()
    x = [p.key for p in periods]
    fig = charts.figure("Compared trade and flagged gaps by period")
    fig.add_trace(go.Scatter(x=x, y=[p.import_fob for p in periods], name="imports (FOB-adjusted)"))
    fig.add_trace(go.Scatter(x=x, y=[p.mirror_export_value for p in periods], name="mirror exports"))
    fig.add_trace(go.Bar(x=x, y=[p.flagged for p in periods], name="flagged gaps", yaxis="y2", opacity=0.35))
    fig.update_layout(
        yaxis={"title": "USD (compared pairs)", "rangemode": "tozero"},
        yaxis2={
            "title": "flagged",
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
        },
    )
    # Periods are months (every one ticked) or years (each a category).
    span = charts.month_span({p.key: p.pairs for p in periods}) if all(len(k) == 7 for k in x) else None
    if span is not None and span.months:
        charts.month_axis(fig, span)
    else:
        fig.update_xaxes(type="category", categoryorder="category ascending")
    return fig


def figures(report: MirrorReport) -> dict[str, go.Figure | None]:
    return {
        "scatter": scatter_figure(report),
        "partners": _top_figure(report.by_partner, "Top partners", "partner"),
        "products": _top_figure(report.by_product, "Top products", "HS code"),
        "trends": trends_figure(report),
    }


def chart_divs(report: MirrorReport) -> dict[str, Markup | None]:
    """Chart name -> its HTML div (the page embeds Plotly JS once), None when there is no data."""
    return {name: charts.div(fig, CHART_IDS[name]) for name, fig in figures(report).items()}


def render_html(report: MirrorReport) -> str:
    filters = {"money": money, "ratio": ratio}
    return render_page("clearsight.trade", "mirror.html", filters, report=report, charts=chart_divs(report))


def write_html(report: MirrorReport, path: Path) -> Path:
    """Write the page to ``path`` (folders created) and return the path."""
    return write_page(path, render_html(report))
