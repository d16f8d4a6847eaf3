"""The forecast report: fan charts (history, forecast, 80 % and 95 % bands, the scenario), the models
chosen and their backtest, as one self-contained page on the shared report base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from clearsight.core.reports import pct, render_page, write_page

#: Offices drawn with their own fan chart (the largest by forecast); the rest are in the table.
OFFICE_CHARTS = 6


def amount(value: float | None) -> str:
    if value is None:
        return "—"
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


def fan_figure(series: dict[str, Any], title: str, levels: list[int]):
    """History as a line, the forecast as a line inside its bands (widest first), the scenario dashed."""
    import plotly.graph_objects as go

    fig = go.Figure()
    hist = series["history"]
    fig.add_trace(go.Scatter(x=[h["month"] for h in hist], y=[h["amount"] for h in hist], name="actual",
                             mode="lines", line={"color": "#1d2733"}))
    fc = series["forecast"]
    months = [p["month"] for p in fc]
    for lv, opacity in zip(sorted(levels, reverse=True), (0.18, 0.32), strict=False):
        fig.add_trace(go.Scatter(x=months + months[::-1],
                                 y=[p[f"hi_{lv}"] for p in fc] + [p[f"lo_{lv}"] for p in fc][::-1],
                                 fill="toself", fillcolor=f"rgba(33,102,172,{opacity})", line={"width": 0},
                                 name=f"{lv} % interval", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=months, y=[p["forecast"] for p in fc], name="forecast", mode="lines",
                             line={"color": "#2166ac"}))
    scenario = [(p["month"], p["scenario"]) for p in fc if p.get("scenario") is not None]
    if scenario:
        fig.add_trace(go.Scatter(x=[m for m, _ in scenario], y=[v for _, v in scenario], name="scenario",
                                 mode="lines", line={"color": "#b2182b", "dash": "dash"}))
    fig.update_layout(title=title, template="plotly_white", margin={"l": 60, "r": 20, "t": 50, "b": 40},
                      yaxis={"rangemode": "tozero"}, legend={"orientation": "h", "y": -0.15})
    fig.update_xaxes(type="category")
    return fig


def _div(fig, div_id: str) -> Markup:
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, default_height="420px",
                              config={"displaylogo": False, "responsive": True}))


def charts(measure: dict[str, Any]) -> dict[str, Markup]:
    """National fan chart and the largest offices' (div id ``fan-<series>``)."""
    levels = measure["levels"]
    by_id = {s["series_id"]: s for s in measure["series"]}
    offices = sorted((s for s in measure["series"] if s["level"] == "office"),
                     key=lambda s: -sum(p["forecast"] or 0 for p in s["forecast"]))[:OFFICE_CHARTS]
    out = {"national": _div(fan_figure(by_id["national"], f"National: {measure['label']}", levels),
                            f"fan-{measure['measure']}-national")}
    for s in offices:
        out[s["series_id"]] = _div(fan_figure(s, f"{s['series_id']}: {measure['label']}", levels),
                                   f"fan-{measure['measure']}-{s['series_id']}")
    return out


def write_forecast_html(report: dict[str, Any], path: Path) -> Path:
    filters = {"pct": pct, "amount": amount}
    measures = {name: {"data": m, "charts": charts(m)} for name, m in report["measures"].items()}
    return write_page(path, render_page("clearsight.forecast", "forecast.html", filters, report=report,
                                        measures=measures))


__all__ = ["amount", "fan_figure", "write_forecast_html"]
