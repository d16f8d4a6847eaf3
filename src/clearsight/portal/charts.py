"""The pages' charts, drawn with the chart kit (``clearsight.core.charts``) as the reports are; the
JavaScript is served once from the installed plotly package."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from clearsight.core import charts
from clearsight.core.palette import CATEGORICAL
from clearsight.risk.metric_names import metric_name


def overview_charts(data: dict[str, Any], currency: str | None = None) -> dict[str, Markup]:
    """Items, hit rate and revenue per month (every month of the data's span), inspections per lane."""
    months = [m for m in data["months"] if m["month"]]
    if not months:
        return {}
    go = charts.plotly()
    span = charts.month_span({m["month"]: m["items"] for m in months})
    kept = set(span.months)
    months = [m for m in months if m["month"] in kept]
    x = [m["month"] for m in months]

    volumes = charts.figure("Goods items per month", [go.Bar(x=x, y=[m["items"] for m in months], name="goods items")])
    charts.count_axis(charts.month_axis(volumes, span), "goods items")

    rated = [m for m in months if m["hit_rate"] is not None]  # a month without inspections has no rate
    hits = charts.figure(
        "Hit rate of inspections",
        [go.Scatter(x=[m["month"] for m in rated], y=[m["hit_rate"] for m in rated], mode="lines+markers",
                    name="hit rate", line={"color": CATEGORICAL[1]})],
    )
    charts.share_axis(charts.month_axis(hits, span), "offences found per inspection")

    unit = f" ({currency})" if currency else ""
    revenue = charts.figure(
        f"Revenue recovered per month{unit}",
        [go.Bar(x=x, y=[m["revenue_recovered"] for m in months], name="revenue", marker_color=CATEGORICAL[2],
                hovertemplate=f"%{{x|%b %Y}}: %{{y:,.0f}}{' ' + currency if currency else ''}<extra></extra>")],
    )
    charts.count_axis(charts.month_axis(revenue, span), currency or "revenue")

    out = {
        "volumes": charts.div(volumes, "chart-volumes"),
        "hit_rate": charts.div(hits, "chart-hit-rate"),
        "revenue": charts.div(revenue, "chart-revenue"),
    }
    lanes = data["lanes"]
    if charts.enough_bars(lanes):
        names = [r["lane"] for r in lanes]
        fig = charts.figure(
            "Inspected items per lane",
            [go.Bar(x=names, y=[r["items"] for r in lanes], marker_color=charts.lane_colours(names), name="items")],
        )
        fig.update_xaxes(type="category")
        out["lanes"] = charts.div(charts.count_axis(fig, "items"), "chart-lanes")
    return {k: v for k, v in out.items() if v is not None}


#: The validation curves a model page draws, in this order.
CURVES = ("precision_at", "recall_at", "revenue_at")


def budget_chart(metrics: dict[str, Any], div_id: str) -> Markup | None:
    """Validation metrics against the inspection budget (% of items inspected), one line per metric."""
    go = charts.plotly()
    lines = []
    for key in CURVES:
        points = metrics.get(key)
        if isinstance(points, dict) and points:
            budgets = sorted(points, key=float)
            lines.append(
                go.Scatter(x=[float(b) for b in budgets], y=[points[b] for b in budgets], mode="lines+markers",
                           name=metric_name(key).removesuffix(" at budget"))
            )
    if not lines:
        return None
    fig = charts.figure("Validation by inspection budget", lines)
    fig.update_xaxes(title="budget, % of items inspected", rangemode="tozero")
    return charts.div(charts.share_axis(fig, top=1.0), div_id)


def lanes_by_office(summary: dict[str, Any] | None, div_id: str) -> Markup | None:
    """The latest selection's lanes stacked per office, each lane in its palette colour."""
    if not summary or not charts.enough_bars(list(summary["offices"])):
        return None
    offices = list(summary["offices"])
    fig = charts.figure(
        "Lanes by office, latest selection",
        charts.lane_bars(offices, [summary["offices"][o] for o in offices]),
        barmode="stack",
    )
    fig.update_xaxes(type="category")
    return charts.div(charts.count_axis(fig, "items"), div_id)
