"""The quality report as one self-contained HTML page (Jinja2 template + Plotly charts).

The page must open on an air-gapped customs network, so Plotly's JavaScript is embedded once from the
installed plotly package and nothing is fetched from a CDN.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from markupsafe import Markup

from clearsight.core.reports import chart_div, pct, render_page, write_page
from clearsight.quality.report import QualityReport

__all__ = ["CHART_IDS", "chart_divs", "pct", "render_html", "write_html"]

#: Chart name -> the id of its div in the page (tests and links rely on these ids).
CHART_IDS: dict[str, str] = {
    "completeness": "chart-completeness",
    "rows_by_period": "chart-rows-by-period",
    "warnings": "chart-warnings",
    "quarantine": "chart-quarantine",
    "outliers": "chart-outliers",
}
_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}


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
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=fields,
            y=[t.table for t in tables],
            text=text,
            zmin=0,
            zmax=1,
            colorscale=[[0, "#b2182b"], [0.5, "#fddbc7"], [0.9, "#d1e5f0"], [1, "#2166ac"]],
            hovertemplate="%{y}.%{x}: %{text} non-null<extra></extra>",
            colorbar={"title": "complete", "tickformat": ".0%"},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(title="Completeness by table and field", **_LAYOUT)
    fig.update_xaxes(tickangle=-45)
    return fig


def rows_by_period_figure(report: QualityReport) -> go.Figure | None:
    tables = [t for t in report.tables if t.rows_by_period]
    if not tables:
        return None
    fig = go.Figure()
    for t in tables:
        fig.add_trace(
            go.Scatter(
                x=[p.period for p in t.rows_by_period],
                y=[p.rows for p in t.rows_by_period],
                mode="lines+markers",
                name=f"{t.table} ({t.date_field})",
            )
        )
    fig.update_layout(title="Rows by month of the table's date field", yaxis_title="rows", **_LAYOUT)
    fig.update_xaxes(type="category", categoryorder="category ascending")
    return fig


def warnings_figure(report: QualityReport) -> go.Figure | None:
    tables = [t for t in report.tables if t.warnings]
    if not tables:
        return None
    fig = go.Figure()
    for t in tables:
        by_code: dict[str, int] = {}
        for w in t.warnings:
            by_code[w.code] = by_code.get(w.code, 0) + w.rows
        fig.add_trace(go.Bar(x=list(by_code), y=list(by_code.values()), name=t.table))
    fig.update_layout(
        title="Warnings by code (accepted rows)", barmode="stack", yaxis_title="flags", **_LAYOUT
    )
    return fig


def quarantine_figure(report: QualityReport) -> go.Figure | None:
    if not report.quarantine.by_field:
        return None
    fig = go.Figure()
    for table in report.quarantine.by_table:
        counts = [c for c in report.quarantine.by_field if c.table == table]
        if counts:
            fig.add_trace(go.Bar(x=[c.field for c in counts], y=[c.rows for c in counts], name=table))
    fig.update_layout(
        title="Quarantined rows by field at fault", barmode="stack", yaxis_title="rows", **_LAYOUT
    )
    return fig


def outliers_figure(report: QualityReport) -> go.Figure | None:
    top = report.unit_values.top
    if not top:
        return None
    fig = go.Figure(
        go.Bar(
            x=[g.hs6 for g in top],
            y=[g.outlier_share for g in top],
            customdata=[[g.outliers, g.items, g.median_unit_value] for g in top],
            hovertemplate=(
                "HS6 %{x}: %{customdata[0]} of %{customdata[1]} items (%{y:.1%})"
                "<br>median unit value %{customdata[2]:,.2f} per kg<extra></extra>"
            ),
        )
    )
    fig.update_layout(title="Unit-value outliers by HS6 (share of items)", yaxis_tickformat=".0%", **_LAYOUT)
    fig.update_xaxes(type="category")
    return fig


FIGURES = {
    "completeness": completeness_figure,
    "rows_by_period": rows_by_period_figure,
    "warnings": warnings_figure,
    "quarantine": quarantine_figure,
    "outliers": outliers_figure,
}


def chart_divs(report: QualityReport) -> dict[str, Markup | None]:
    """Chart name -> its HTML div (no Plotly JS inside; the page embeds it once), None when no data."""
    return {name: chart_div(make(report), CHART_IDS[name]) for name, make in FIGURES.items()}


def render_html(report: QualityReport) -> str:
    """The whole page as a string, Plotly JS included inline."""
    return render_page(
        "clearsight.quality", "quality.html", {"pct": pct}, report=report, charts=chart_divs(report)
    )


def write_html(report: QualityReport, path: Path) -> Path:
    """Write the page to ``path`` (folders created) and return the path."""
    return write_page(path, render_html(report))
