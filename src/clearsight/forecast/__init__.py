"""Revenue forecasting for budget planning: monthly duty and taxes collected and import value,
forecast per office and HS chapter with models chosen by backtests, reconciled so that offices add
up to the national total, with 80 % and 95 % intervals and the scenarios a finance ministry asks for
(a tariff change on chosen headings, an exchange-rate path); ``clearsight forecast``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.forecast.engine import (
        METHODS,
        ForecastOptions,
        forecast_revenue,
        store_forecasts,
        stored_forecasts,
    )
    from clearsight.forecast.html import write_forecast_html
    from clearsight.forecast.models import CANDIDATES, ModelOptions
    from clearsight.forecast.scenarios import FxPath, Scenario, TariffChange, parse_fx, parse_month
    from clearsight.forecast.series import MEASURES, monthly_query

__all__ = [
    "CANDIDATES",
    "MEASURES",
    "METHODS",
    "ForecastOptions",
    "FxPath",
    "ModelOptions",
    "Scenario",
    "TariffChange",
    "forecast_revenue",
    "monthly_query",
    "parse_fx",
    "parse_month",
    "store_forecasts",
    "stored_forecasts",
    "write_forecast_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "METHODS": "engine",
        "ForecastOptions": "engine",
        "forecast_revenue": "engine",
        "store_forecasts": "engine",
        "stored_forecasts": "engine",
        "write_forecast_html": "html",
        "CANDIDATES": "models",
        "ModelOptions": "models",
        "FxPath": "scenarios",
        "Scenario": "scenarios",
        "TariffChange": "scenarios",
        "parse_fx": "scenarios",
        "parse_month": "scenarios",
        "MEASURES": "series",
        "monthly_query": "series",
    },
)
