"""The drift report as one self-contained HTML page: a PSI heatmap (features × weeks), PSI lines per
feature, and each feature's bins in the reference and the latest week."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from clearsight.core.reports import chart_div, pct, render_page, write_page
from clearsight.risk.drift import ACT, WATCH, DriftReport

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {"heatmap": "chart-psi-heatmap", "lines": "chart-psi-lines"}
_LAYOUT = {"margin": {"l": 220, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}


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
    heat = go.Figure(
        go.Heatmap(
            z=z,
            x=report.weeks,
            y=labels,
            zmin=0,
            zmax=top,
            colorscale=scale,
            colorbar={"title": "PSI"},
            hovertemplate="%{y}<br>week of %{x}<br>PSI %{z:.3f}<extra></extra>",
        )
    )
    heat.update_layout(title="Population stability index per week", xaxis_title="week (Monday)", **_LAYOUT)
    lines = go.Figure()
    for f in report.features:
        lines.add_trace(go.Scatter(x=report.weeks, y=f.psi, mode="lines+markers", name=f.label))
    for value, text in ((WATCH, "watch"), (ACT, "act")):
        lines.add_hline(y=value, line_dash="dash", line_color="#8a94a1", annotation_text=text)
    lines.update_layout(
        title="PSI per feature", xaxis_title="week (Monday)", yaxis_title="PSI", **{**_LAYOUT, "margin": {}}
    )
    lines.update_yaxes(rangemode="tozero")
    return {"heatmap": heat, "lines": lines}


def render_html(report: DriftReport) -> str:
    charts = {name: chart_div(fig, CHART_IDS[name], "460px") for name, fig in figures(report).items()}
    return render_page(
        "clearsight.risk",
        "drift.html",
        {"pct": pct},
        report=report,
        data=report.to_json_dict(),
        charts=charts,
        watch=WATCH,
        act=ACT,
    )


def write_html(report: DriftReport, path: Path) -> Path:
    return write_page(path, render_html(report))
