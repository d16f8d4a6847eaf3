"""The evaluation report as one self-contained HTML page (Jinja2 template + inline Plotly charts).

Like the quality report, it must open on an air-gapped network: Plotly's JavaScript is embedded once
from the installed package, nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from markupsafe import Markup

from clearsight.core.reports import chart_div, pct, render_page, write_page
from clearsight.risk.engine import BASELINES, Evaluation

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {
    "precision": "chart-precision",
    "revenue": "chart-revenue",
    "truth_precision": "chart-truth-precision",
    "truth_revenue": "chart-truth-revenue",
    "importance": "chart-importance",
}
LABELS = {"model": "clearsight model", **{k: k.replace("_", " ") for k in BASELINES}}
_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}


def _budget_figure(methods: dict, metric: str, budgets: list[str], title: str, ytitle: str) -> go.Figure:
    fig = go.Figure()
    for name, m in methods.items():
        fig.add_trace(
            go.Scatter(
                x=[float(b) for b in budgets],
                y=[m[metric][b] for b in budgets],
                mode="lines+markers",
                name=LABELS.get(name, name),
                line={"width": 3 if name == "model" else 1.5},
            )
        )
    fig.update_layout(title=title, xaxis_title="inspection budget, % of items", yaxis_title=ytitle, **_LAYOUT)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def _methods(metrics: dict, baselines: dict) -> dict:
    return {"model": metrics, **{k: v["metrics"] for k, v in baselines.items()}}


def figures(ev: Evaluation) -> dict[str, go.Figure]:
    keys = [f"{b * 100:g}" for b in ev.budgets]
    labelled = _methods(ev.metrics, ev.baselines)
    out = {
        "precision": _budget_figure(
            labelled, "precision_at", keys, "Precision (hit rate) on labelled test items", "precision"
        ),
        "revenue": _budget_figure(
            labelled, "revenue_at", keys, "Share of revenue found, labelled test items", "revenue share"
        ),
    }
    if ev.ground_truth:
        truth = ev.ground_truth["metrics"]
        out["truth_precision"] = _budget_figure(
            truth, "precision_at", keys, "Precision against the ground truth (all test items)", "precision"
        )
        out["truth_revenue"] = _budget_figure(
            truth, "revenue_at", keys, "Revenue share against the ground truth", "revenue share"
        )
    imp = list(ev.model["importance"].items())[:15][::-1]
    fig = go.Figure(go.Bar(x=[v for _, v in imp], y=[k for k, _ in imp], orientation="h"))
    fig.update_layout(title="What the model relies on (share of split gain)", **_LAYOUT)
    fig.update_xaxes(tickformat=".0%")
    out["importance"] = fig
    return out


def chart_divs(ev: Evaluation) -> dict[str, Markup | None]:
    return {name: chart_div(fig, CHART_IDS[name], "420px") for name, fig in figures(ev).items()}


def render_html(ev: Evaluation) -> str:
    return render_page(
        "clearsight.risk",
        "evaluation.html",
        {"pct": pct},
        ev=ev,
        data=ev.to_json_dict(),
        labels=LABELS,
        charts=chart_divs(ev),
    )


def write_html(ev: Evaluation, path: Path) -> Path:
    return write_page(path, render_html(ev))
