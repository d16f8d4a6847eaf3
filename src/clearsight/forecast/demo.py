"""The forecast step of ``clearsight demo``: next quarter's duty and taxes, reconciled, backtested."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_forecast(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Forecast duty and taxes on the demo world, keep it for the portal, print the headline."""
    from clearsight.forecast import ForecastOptions, ModelOptions, forecast_revenue, store_forecasts
    from clearsight.forecast.html import amount, write_forecast_html

    options = ForecastOptions(measures=("duty",), min_share=0.02, models=ModelOptions(horizon=12))
    report = forecast_revenue(warehouse, options)
    store_forecasts(warehouse, report)
    workspace = Workspace(settings)
    currency = workspace.currency
    path = write_forecast_html(report, workspace.report("forecast.html"), currency)
    m = report["measures"]["duty"]
    h, b = m["headline_next_quarter"], m["backtest"]
    console.print(
        f"   national duty and taxes, next quarter ({h['months'][0]} to {h['months'][-1]}): "
        f"{amount(h['forecast'], currency)} (80 % interval {amount(h['lo_80'], currency)} to "
        f"{amount(h['hi_80'], currency)})",
        highlight=False,
    )
    if b["overall_mase"] is not None:
        console.print(
            f"   backtest MASE {b['overall_mase']:.2f} vs {b['overall_mase_seasonal_naive']:.2f} for seasonal naive "
            f"({b['series_backtested']} series); offices reconciled to the national total (MinTrace)",
            highlight=False,
        )
    return [path]


STEP = DemoStep("revenue forecast for the budget", demo_forecast)
