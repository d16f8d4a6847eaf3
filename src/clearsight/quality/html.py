"""The quality report as one self-contained HTML page (Jinja2 template + Plotly charts).

The page must open on an air-gapped customs network, so Plotly's JavaScript is embedded once from the
installed plotly package and nothing is fetched from a CDN.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from clearsight.core import charts
from clearsight.core.palette import DIVERGING
from clearsight.core.reports import pct, render_fragment, render_page, write_page
from clearsight.quality.report import QualityReport

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["CHART_IDS", "chart_divs", "pct", "render_body", "render_html", "write_html"]

#: Chart name -> the id of its div in the page (tests and links rely on these ids).
CHART_IDS: dict[str, str] = {
    "completeness": "chart-completeness",
    "rows_by_period": "chart-rows-by-period",
    "warnings": "chart-warnings",
    "quarantine": "chart-quarantine",
    "outliers": "chart-outliers",
}
_MONTH = re.compile(r"\d{4}-\d{2}")


def completeness_figure(report: QualityReport) -> go.Figure | None:
    """Heat map: one row per table, one column per field name (blank where a table lacks the field)."""
    tables = [t for t in report.tables if t.rows]
    if not tables:
        return None
    fields: list[str] = []
    for t in tables:
        fields += [f.field for f in t.fields if f.field not in fields]
    z, text = [], []
    for t in tables:
        by_name = {f.field: f for f in t.fields}
        z.append([by_name[name].completeness if name in by_name else None for name in fields])
        text.append([pct(by_name[name].completeness, 0) if name in by_name else "" for name in fields])
    go = charts.plotly()
    fig = charts.figure(
        "Completeness by table and field",
        [go.Heatmap(
            z=z,
            x=fields,
            y=[t.table for t in tables],
            text=text,
            zmin=0,
            zmax=1,
            colorscale=[list(stop) for stop in DIVERGING],
            hovertemplate="%{y}.%{x}: %{text} non-null<extra></extra>",
            colorbar={"title": "complete", "tickformat": ".0%"},
            xgap=1,
            ygap=1,
        )],
    )
    fig.update_xaxes(tickangle=-45)
    return fig


def rows_by_period_figure(report: QualityReport) -> go.Figure | None:
    """Rows per month of each table's date field, every month ticked, on the declarations' span:
    a party registered in 1993 or a date typed a century off is counted in the tables above, and
    said under the chart, not stretched over the axis. Yearly periods (trade statistics filed by
    year) have no month to sit on and are left to the tables."""
    monthly = {
        t.table: ({p.period: p.rows for p in t.rows_by_period if _MONTH.fullmatch(p.period)}, t.date_field)
        for t in report.tables
    }
    monthly = {name: (rows, field) for name, (rows, field) in monthly.items() if rows}
    if not monthly:
        return None
    base = monthly["declarations"][0] if "declarations" in monthly else max((r for r, _ in monthly.values()), key=len)
    totals: dict[str, int] = {}
    for rows, _ in monthly.values():
        for month, n in rows.items():
            totals[month] = totals.get(month, 0) + n
    span = charts.month_span(base).applied(totals)
    go = charts.plotly()
    fig = charts.figure("Rows by month of the table's date field")
    for name, (rows, field) in monthly.items():
        points = charts.in_span(sorted(rows.items()), span)
        fig.add_trace(
            go.Scatter(x=[m for m, _ in points], y=[n for _, n in points], mode="lines+markers", name=f"{name} ({field})")
        )
    charts.month_axis(fig, span)
    return charts.count_axis(fig, "rows")


def warnings_figure(report: QualityReport) -> go.Figure | None:
    tables = [t for t in report.tables if t.warnings]
    if not tables:
        return None
    go = charts.plotly()
    fig = charts.figure("Warnings by code (accepted rows)", barmode="stack")
    codes: set[str] = set()
    for t in tables:
        by_code: dict[str, int] = {}
        for w in t.warnings:
            by_code[w.code] = by_code.get(w.code, 0) + w.rows
        codes.update(by_code)
        fig.add_trace(go.Bar(x=list(by_code), y=list(by_code.values()), name=t.table))
    if not charts.enough_bars(sorted(codes)):
        return None
    fig.update_xaxes(type="category")
    return charts.count_axis(fig, "flags")


def quarantine_figure(report: QualityReport) -> go.Figure | None:
    if not charts.enough_bars(report.quarantine.by_field):
        return None
    go = charts.plotly()
    fig = charts.figure("Quarantined rows by field at fault", barmode="stack")
    for table in report.quarantine.by_table:
        counts = [c for c in report.quarantine.by_field if c.table == table]
        if counts:
            fig.add_trace(go.Bar(x=[c.field for c in counts], y=[c.rows for c in counts], name=table))
    fig.update_xaxes(type="category")
    return charts.count_axis(fig, "rows")


def outliers_figure(report: QualityReport, currency: str | None = None) -> go.Figure | None:
    top = report.unit_values.top
    if not charts.enough_bars(top):
        return None
    go = charts.plotly()
    unit = f" {currency}" if currency else ""
    fig = charts.figure(
        "Unit-value outliers by HS6 (share of items)",
        [go.Bar(
            x=[g.hs6 for g in top],
            y=[g.outlier_share for g in top],
            customdata=[[g.outliers, g.items, g.median_unit_value] for g in top],
            hovertemplate=(
                "HS6 %{x}: %{customdata[0]} of %{customdata[1]} items (%{y:.1%})"
                f"<br>median unit value %{{customdata[2]:,.2f}}{unit} per kg<extra></extra>"
            ),
        )],
    )
    fig.update_xaxes(type="category")
    return charts.share_axis(fig)


FIGURES = {
    "completeness": completeness_figure,
    "rows_by_period": rows_by_period_figure,
    "warnings": warnings_figure,
    "quarantine": quarantine_figure,
    "outliers": outliers_figure,
}


def chart_divs(report: QualityReport, currency: str | None = None) -> dict[str, Markup | None]:
    """Chart name -> its HTML div (no Plotly JS inside; the page embeds it once), None when no data."""
    made = {name: make(report) for name, make in FIGURES.items() if name != "outliers"}
    made["outliers"] = outliers_figure(report, currency)
    return {name: charts.div(made[name], CHART_IDS[name]) for name in FIGURES}


def render_body(report: QualityReport, currency: str | None = None) -> Markup:
    """The report's content without its page: what the portal shows inside its own frame."""
    return render_fragment(
        "clearsight.quality", "quality_body.html", {}, report=report, charts=chart_divs(report, currency),
        currency=currency,
    )


def render_html(report: QualityReport, currency: str | None = None) -> str:
    """The whole page as a string, Plotly JS included inline; ``currency`` beside unit values."""
    return render_page(
        "clearsight.quality", "quality.html", {}, report=report, charts=chart_divs(report, currency),
        currency=currency,
    )


def write_html(report: QualityReport, path: Path, currency: str | None = None) -> Path:
    """Write the page to ``path`` (folders created) and return the path."""
    return write_page(path, render_html(report, currency))
