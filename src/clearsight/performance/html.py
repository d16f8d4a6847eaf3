"""The contract report a director signs (indicators, targets, status, monthly charts) and the integrity
report (flags with their peers and tests), on the shared report base and the chart kit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from clearsight.core import charts as kit
from clearsight.core.palette import CATEGORICAL, NEUTRAL
from clearsight.core.reports import money, money_filter, pct, render_fragment, render_page, write_page


def value_text(value: float | None, unit: str, currency: str | None = None) -> str:
    """An indicator's value as its unit reads: hours, a percentage, an amount."""
    if value is None:
        return "—"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "share":
        return pct(value)
    return money(value, currency, compact=True)


def indicator_chart(indicator: dict[str, Any], chart_id: str, currency: str | None = None) -> Markup | None:
    """The monthly values as a line, the target as a dashed line; None without two measured months."""
    points = [(p["month"], p["value"]) for p in indicator["monthly"] if p["value"] is not None]
    if len(points) < 2:
        return None
    go = kit.plotly()
    span = kit.month_span({m: 1 for m, _ in points})
    months = [f"{m}-01" for m, _ in points]
    fig = kit.figure(indicator["label"])
    fig.add_trace(go.Scatter(x=months, y=[v for _, v in points], name="monthly", mode="lines+markers",
                             line={"color": CATEGORICAL[0]}))
    fig.add_trace(go.Scatter(x=[f"{span.months[0]}-01", f"{span.months[-1]}-01"], y=[indicator["target"]] * 2,
                             name="target", mode="lines", line={"color": NEUTRAL["text"], "dash": "dash"}))
    if indicator["unit"] == "share":
        kit.share_axis(fig)
    else:
        kit.count_axis(fig, "hours" if indicator["unit"] == "hours" else currency)
    kit.month_axis(fig, span)
    return kit.div(fig, chart_id, height=300)


def contract_charts(status: dict[str, Any], currency: str | None = None) -> dict[str, Markup | None]:
    cid = status["contract"]["id"]
    return {i["indicator"]: indicator_chart(i, f"pmc-{cid}-{i['indicator']}", currency) for i in status["indicators"]}


def _filters(currency: str | None) -> dict[str, Any]:
    return {"pct": pct, "money": money_filter, "value": lambda v, unit: value_text(v, unit, currency)}


def write_contract_html(status: dict[str, Any], path: Path, currency: str | None = None) -> Path:
    """The contract's report, with a signature block for its signatory."""
    return write_page(path, render_page("clearsight.performance", "contract.html", _filters(currency),
                                        status=status, charts=contract_charts(status, currency), currency=currency))


def contract_fragment(status: dict[str, Any], currency: str | None = None) -> Markup:
    """The contract's report inside the portal's frame (whose page title is the one ``h1``: the
    report's own title becomes a section heading there)."""
    return render_fragment("clearsight.performance", "contract_body.html", _filters(currency), status=status,
                           charts=contract_charts(status, currency), currency=currency, in_portal=True)


def write_integrity_html(report: dict[str, Any], path: Path) -> Path:
    return write_page(path, render_page("clearsight.performance", "integrity.html", _filters(None), report=report))


def integrity_fragment(report: dict[str, Any]) -> Markup:
    return render_fragment("clearsight.performance", "integrity_body.html", _filters(None), report=report, in_portal=True)


__all__ = ["contract_fragment", "integrity_fragment", "value_text", "write_contract_html", "write_integrity_html"]
