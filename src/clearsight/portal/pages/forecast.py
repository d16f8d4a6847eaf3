"""Revenue forecast: the stored forecast of duty and taxes (or import value) for managers — the national
fan chart, next quarter per office, the models and their backtest. Aggregates only, no declaration rows."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.core.errors import UserError
from clearsight.core.workspace import Workspace
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def forecast_view(portal: Portal, measure: str) -> dict:
    from clearsight.forecast import stored_forecasts

    try:
        with portal.warehouse() as wh:
            stored = stored_forecasts(wh, measure)
    except UserError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    for s in stored.get("series", []):
        quarter = s["forecast"][:3]
        s["next_quarter"] = sum(p["forecast"] for p in quarter) if quarter else None
    return {"measure": measure, "forecast": stored or None}


def fan_chart(stored: dict | None, currency: str | None):
    if not stored:
        return None
    from clearsight.core.charts import div
    from clearsight.forecast.html import fan_figure

    national = stored["series"][0]
    series = {**national, "forecast": [
        {**p, "scenario": sc["amount"]} for p, sc in zip(national["forecast"], national["scenario"], strict=False)
    ] if national["scenario"] else national["forecast"]}
    fig = fan_figure(series, f"National: {stored['label']}", [80, 95], currency)
    return div(fig, "chart-forecast-national", height=420)


@router.get("/forecast", name="page.forecast")
def forecast(
    request: Request, measure: str = "duty", portal: Portal = PortalDep, principal: Principal = PrincipalDep
) -> Response:
    data = forecast_view(portal, measure)
    chart = fan_chart(data["forecast"], Workspace(portal.settings).currency)
    return page(request, "forecast.html", data, title="Revenue forecast", principal=principal, extra={"chart": chart})
