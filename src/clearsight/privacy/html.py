"""The release report (disclosure risk and utility) as one self-contained HTML page.

Like the quality report, Plotly's JavaScript is embedded from the installed package: the page opens
on an air-gapped network and fetches nothing.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from clearsight.core.reports import chart_div, pct, render_page, write_page

CHART_IDS = {"class_sizes": "chart-class-sizes", "distributions": "chart-distributions"}
_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}


def class_size_figure(manifest: dict) -> go.Figure:
    fig = go.Figure()
    for name, key in (("stored values", "risk_before"), ("release", "risk")):
        hist = {int(s): int(n) for s, n in manifest[key]["class_size_histogram"].items()}
        sizes = sorted(hist)
        fig.add_trace(
            go.Bar(x=[str(s) if s < 50 else "50+" for s in sizes], y=[hist[s] for s in sizes], name=name)
        )
    fig.update_layout(
        title=f"Equivalence classes by size (k = {manifest['k']})",
        xaxis_title="records in the class",
        yaxis_title="classes",
        yaxis_type="log",
        barmode="group",
        **_LAYOUT,
    )
    fig.update_xaxes(type="category")
    return fig


def distributions_figure(manifest: dict) -> go.Figure | None:
    dists = manifest.get("utility", {}).get("distributions") or []
    if not dists:
        return None
    fig = go.Figure()
    for i, d in enumerate(dists):
        labels = [f"{d['column']}={t['value']}" for t in d["top"]]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[t["before"] for t in d["top"]],
                name="source (same levels)",
                marker_color="#7f8c9a",
                showlegend=i == 0,
                legendgroup="before",
            )
        )
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[t["after"] for t in d["top"]],
                name="release",
                marker_color="#2166ac",
                showlegend=i == 0,
                legendgroup="after",
            )
        )
    fig.update_layout(
        title="Most frequent released values: share of rows before and after suppression",
        yaxis_tickformat=".0%",
        barmode="group",
        **_LAYOUT,
    )
    fig.update_xaxes(tickangle=-45)
    return fig


def render_html(manifest: dict) -> str:
    charts = {
        "class_sizes": chart_div(class_size_figure(manifest), CHART_IDS["class_sizes"]),
        "distributions": chart_div(distributions_figure(manifest), CHART_IDS["distributions"]),
    }
    return render_page("clearsight.privacy", "release.html", {"pct": pct}, m=manifest, charts=charts)


def write_html(manifest: dict, path: Path) -> Path:
    return write_page(path, render_html(manifest))
