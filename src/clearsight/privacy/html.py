"""The release report (disclosure risk and utility) as one self-contained HTML page.

Like the quality report, Plotly's JavaScript is embedded from the installed package: the page opens
on an air-gapped network and fetches nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.core import charts
from clearsight.core.palette import CATEGORICAL, NEUTRAL
from clearsight.core.reports import pct, render_page, write_page

if TYPE_CHECKING:
    import plotly.graph_objects as go

CHART_IDS = {"class_sizes": "chart-class-sizes", "distributions": "chart-distributions"}


def class_size_figure(manifest: dict) -> go.Figure:
    go = charts.plotly()
    fig = charts.figure(f"Equivalence classes by size (k = {manifest['k']})", barmode="group")
    for name, key in (("stored values", "risk_before"), ("release", "risk")):
        hist = {int(s): int(n) for s, n in manifest[key]["class_size_histogram"].items()}
        sizes = sorted(hist)
        fig.add_trace(
            go.Bar(x=[str(s) if s < 50 else "50+" for s in sizes], y=[hist[s] for s in sizes], name=name)
        )
    fig.update_xaxes(type="category", title="records in the class")
    fig.update_yaxes(type="log", title="classes (log scale)")
    return fig


def distributions_figure(manifest: dict) -> go.Figure | None:
    dists = manifest.get("utility", {}).get("distributions") or []
    if not dists:
        return None
    go = charts.plotly()
    fig = charts.figure("Most frequent released values: share of rows before and after suppression", barmode="group")
    for i, d in enumerate(dists):
        labels = [f"{d['column']}={t['value']}" for t in d["top"]]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[t["before"] for t in d["top"]],
                name="source (same levels)",
                marker_color=NEUTRAL["reference"],
                showlegend=i == 0,
                legendgroup="before",
            )
        )
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[t["after"] for t in d["top"]],
                name="release",
                marker_color=CATEGORICAL[0],
                showlegend=i == 0,
                legendgroup="after",
            )
        )
    fig.update_xaxes(tickangle=-45)
    return charts.share_axis(fig)


def render_html(manifest: dict) -> str:
    divs = {
        "class_sizes": charts.div(class_size_figure(manifest), CHART_IDS["class_sizes"]),
        "distributions": charts.div(distributions_figure(manifest), CHART_IDS["distributions"]),
    }
    return render_page("clearsight.privacy", "release.html", {"pct": pct}, m=manifest, charts=divs)


def write_html(manifest: dict, path: Path) -> Path:
    return write_page(path, render_html(manifest))
