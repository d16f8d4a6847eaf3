"""Plotly figures for the pages (the JavaScript is served once from the installed plotly package)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup

LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 50}, "template": "plotly_white", "height": 320}


def div(fig: go.Figure, div_id: str) -> Markup:
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}))


def overview_charts(data: dict[str, Any]) -> dict[str, Markup]:
    months = data["months"]
    if not months:
        return {}
    x = [m["month"] for m in months]
    volumes = go.Figure([go.Bar(x=x, y=[m["items"] for m in months], name="goods items")], layout={**LAYOUT, "title": "Goods items per month"})
    hits = go.Figure(
        [go.Scatter(x=x, y=[(m["hit_rate"] or 0) * 100 for m in months], mode="lines+markers", name="hit rate %")],
        layout={**LAYOUT, "title": "Hit rate of inspections (%)"},
    )
    revenue = go.Figure([go.Bar(x=x, y=[m["revenue_recovered"] for m in months], name="revenue")], layout={**LAYOUT, "title": "Revenue recovered per month"})
    charts = {"volumes": div(volumes, "chart-volumes"), "hit_rate": div(hits, "chart-hit-rate"), "revenue": div(revenue, "chart-revenue")}
    if data["lanes"]:
        lanes = go.Figure([go.Bar(x=[r["lane"] for r in data["lanes"]], y=[r["items"] for r in data["lanes"]])], layout={**LAYOUT, "title": "Inspected items per lane"})
        charts["lanes"] = div(lanes, "chart-lanes")
    return charts


CURVES = {"precision_at": "precision", "recall_at": "recall (offences found)", "revenue_at": "share of revenue found"}


def budget_chart(metrics: dict[str, Any], div_id: str) -> Markup | None:
    """Validation metrics against the inspection budget (% of items inspected), one line per metric."""
    lines = []
    for key, label in CURVES.items():
        points = metrics.get(key)
        if isinstance(points, dict) and points:
            budgets = sorted(points, key=float)
            lines.append(go.Scatter(x=[float(b) for b in budgets], y=[points[b] for b in budgets], mode="lines+markers", name=label))
    if not lines:
        return None
    fig = go.Figure(lines, layout={**LAYOUT, "title": "Validation by inspection budget", "xaxis": {"title": "budget, % of items inspected"},
                                   "yaxis": {"range": [0, 1]}})
    return div(fig, div_id)
