"""The forecast report: fan charts (history, forecast, 80 % and 95 % bands, the scenario), the models
chosen and their backtest, as one self-contained page on the shared report base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from clearsight.core import charts as kit
from clearsight.core.palette import CATEGORICAL, NEUTRAL, translucent
from clearsight.core.reports import money, money_filter, pct, render_page, write_page

#: Offices drawn with their own fan chart (the largest by forecast); the rest are in the table.
OFFICE_CHARTS = 6
#: The forecast and its bands in the palette's first series colour, the scenario in its second: no
#: lane colour, since red and green mean lanes everywhere else.
FORECAST, SCENARIO = CATEGORICAL[0], CATEGORICAL[1]


def amount(value: float | None, currency: str | None = None) -> str:
    """A forecast amount, short ("2.2 bn KES"), with its currency when known."""
    return money(value, currency, compact=True)


def fan_figure(series: dict[str, Any], title: str, levels: list[int], currency: str | None = None):
    """History as a line, the forecast as a line inside its bands (widest first), the scenario dashed."""
    go = kit.plotly()
    fig = kit.figure(title, xaxis={"type": "category"})
    hist = series["history"]
    fig.add_trace(go.Scatter(x=[h["month"] for h in hist], y=[h["amount"] for h in hist], name="actual",
                             mode="lines", line={"color": NEUTRAL["text"]}))
    fc = series["forecast"]
    months = [p["month"] for p in fc]
    for lv, opacity in zip(sorted(levels, reverse=True), (0.18, 0.32), strict=False):
        # lines only: a band's edge drawn as markers read as points of data
        fig.add_trace(go.Scatter(x=months + months[::-1],
                                 y=[p[f"hi_{lv}"] for p in fc] + [p[f"lo_{lv}"] for p in fc][::-1],
                                 mode="lines", fill="toself", fillcolor=translucent(FORECAST, opacity),
                                 line={"width": 0, "color": translucent(FORECAST, opacity)},
                                 name=f"{lv} % interval", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=months, y=[p["forecast"] for p in fc], name="forecast", mode="lines",
                             line={"color": FORECAST}))
    scenario = [(p["month"], p["scenario"]) for p in fc if p.get("scenario") is not None]
    if scenario:
        fig.add_trace(go.Scatter(x=[m for m, _ in scenario], y=[v for _, v in scenario], name="scenario",
                                 mode="lines", line={"color": SCENARIO, "dash": "dash"}))
    return kit.count_axis(fig, currency)


def charts(measure: dict[str, Any], currency: str | None = None) -> dict[str, Markup]:
    """National fan chart and the largest offices' (div id ``fan-<series>``)."""
    levels = measure["levels"]
    by_id = {s["series_id"]: s for s in measure["series"]}
    offices = sorted((s for s in measure["series"] if s["level"] == "office"),
                     key=lambda s: -sum(p["forecast"] or 0 for p in s["forecast"]))[:OFFICE_CHARTS]
    national = fan_figure(by_id["national"], f"National: {measure['label']}", levels, currency)
    out = {"national": kit.div(national, f"fan-{measure['measure']}-national", height=420)}
    for s in offices:
        fig = fan_figure(s, f"{s['series_id']}: {measure['label']}", levels, currency)
        out[s["series_id"]] = kit.div(fig, f"fan-{measure['measure']}-{s['series_id']}", height=420)
    return out


def write_forecast_html(report: dict[str, Any], path: Path, currency: str | None = None) -> Path:
    """The report; ``currency`` (the national one: duty and import values are in it) beside each amount."""
    filters = {"pct": pct, "money": money_filter}
    measures = {name: {"data": m, "charts": charts(m, currency)} for name, m in report["measures"].items()}
    return write_page(path, render_page("clearsight.forecast", "forecast.html", filters, report=report,
                                        measures=measures, currency=currency))


__all__ = ["amount", "fan_figure", "write_forecast_html"]
