"""The evaluation report as one self-contained HTML page (Jinja2 template + inline Plotly charts).

Like the quality report, it must open on an air-gapped network: Plotly's JavaScript is embedded once
from the installed package, nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from clearsight.core import charts
from clearsight.core.palette import CATEGORICAL, NEUTRAL
from clearsight.core.reports import pct, render_page, write_page
from clearsight.risk.engine import BASELINES, Evaluation
from clearsight.risk.metric_names import METRIC_NAMES

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Chart name -> div id (tests rely on these ids).
CHART_IDS = {
    "precision": "chart-precision",
    "revenue": "chart-revenue",
    "truth_precision": "chart-truth-precision",
    "truth_revenue": "chart-truth-revenue",
    "importance": "chart-importance",
}
LABELS = {
    "model": "clearsight model",
    **{k: k.replace("_", " ") for k in BASELINES},
    "lanes": "lanes: model + λ × P(critical)",
    "critical_model": "critical-goods model alone",
    "network_model": "model with network features",
    "network_lanes": "lanes, with network features",
}


def _budget_figure(methods: dict, metric: str, budgets: list[str], title: str, ytitle: str) -> go.Figure:
    go = charts.plotly()
    fig = charts.figure(title)
    for i, (name, m) in enumerate(methods.items()):
        # the model first and boldest in the first colour; baselines thinner, in the sequence's others
        colour = CATEGORICAL[0] if name == "model" else CATEGORICAL[1 + i % (len(CATEGORICAL) - 1)]
        fig.add_trace(
            go.Scatter(
                x=[float(b) for b in budgets],
                y=[m[metric][b] for b in budgets],
                mode="lines+markers",
                name=LABELS.get(name, name),
                line={"width": 3 if name == "model" else 1.5, "color": colour},
            )
        )
    fig.update_xaxes(title="inspection budget, % of items", rangemode="tozero")
    return charts.share_axis(fig, ytitle)


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
    imp = sorted(ev.model["importance"].items(), key=lambda kv: kv[1])[-15:]
    go = charts.plotly()
    fig = charts.figure(
        "What the model relies on (share of split gain)",
        [go.Bar(x=[v for _, v in imp], y=[k for k, _ in imp], orientation="h", marker_color=NEUTRAL["muted"],
                hovertemplate="%{y}: %{x:.2%}<extra></extra>")],
        height=max(380, 24 * len(imp) + 120),
    )
    out["importance"] = charts.share_axis(fig, axis="x")
    return out


def chart_divs(ev: Evaluation) -> dict[str, Markup | None]:
    return {name: charts.div(fig, CHART_IDS[name]) for name, fig in figures(ev).items()}


def render_html(ev: Evaluation) -> str:
    return render_page(
        "clearsight.risk",
        "evaluation.html",
        {"pct": pct},
        ev=ev,
        data=ev.to_json_dict(),
        labels=LABELS,
        metric_names=METRIC_NAMES,
        charts=chart_divs(ev),
    )


def write_html(ev: Evaluation, path: Path) -> Path:
    return write_page(path, render_html(ev))
