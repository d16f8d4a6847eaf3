"""The drift report as one self-contained HTML page: a PSI heatmap (features × weeks), PSI lines per
feature, and each feature's bins in the reference and the latest week."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.core import charts
from clearsight.core.palette import NEUTRAL
from clearsight.core.reports import pct, render_page, write_page
from clearsight.risk.drift import ACT, WATCH, DriftReport

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {"heatmap": "chart-psi-heatmap", "lines": "chart-psi-lines"}


def figures(report: DriftReport) -> dict[str, go.Figure]:
    if not report.weeks:
        return {}
    labels = [f.label for f in report.features]
    z = [f.psi for f in report.features]
    top = max(ACT * 2, max(max(row) for row in z))
    # Green below WATCH, amber to ACT, red above: the colour stops sit on the thresholds.
    scale = [
        [0.0, "#e8f5e9"],
        [WATCH / top, "#c8e6c9"],
        [WATCH / top, "#fff3c4"],
        [ACT / top, "#ffd180"],
        [ACT / top, "#ef9a9a"],
        [1.0, "#b71c1c"],
    ]
    go = charts.plotly()
    heat = charts.figure(
        "Population stability index per week",
        [go.Heatmap(
            z=z,
            x=report.weeks,
            y=labels,
            zmin=0,
            zmax=top,
            colorscale=scale,
            colorbar={"title": "PSI"},
            hovertemplate="%{y}<br>week of %{x}<br>PSI %{z:.3f}<extra></extra>",
        )],
        height=max(380, 22 * len(labels) + 140),
    )
    heat.update_xaxes(title="week (Monday)")
    lines = charts.figure("PSI per feature")
    for f in report.features:
        lines.add_trace(go.Scatter(x=report.weeks, y=f.psi, mode="lines+markers", name=f.label))
    for value, text in ((WATCH, "watch"), (ACT, "act")):
        lines.add_hline(y=value, line_dash="dash", line_color=NEUTRAL["reference"], annotation_text=text)
    lines.update_xaxes(title="week (Monday)")
    lines.update_yaxes(title="PSI", rangemode="tozero")
    return {"heatmap": heat, "lines": lines}


def render_html(report: DriftReport) -> str:
    divs = {name: charts.div(fig, CHART_IDS[name]) for name, fig in figures(report).items()}
    return render_page(
        "clearsight.risk",
        "drift.html",
        {"pct": pct},
        report=report,
        data=report.to_json_dict(),
        charts=divs,
        watch=WATCH,
        act=ACT,
    )


def write_html(report: DriftReport, path: Path) -> Path:
    return write_page(path, render_html(report))
