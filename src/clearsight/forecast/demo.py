"""The forecast step of ``clearsight demo``: next quarter's duty and taxes, reconciled, backtested."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import ibis

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace

if TYPE_CHECKING:
    from clearsight.forecast.scenarios import Scenario


def demo_forecast(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Forecast duty and taxes on the demo world, keep it for the portal, print the headline."""
    from clearsight.forecast import ForecastOptions, ModelOptions, forecast_revenue, store_forecasts
    from clearsight.forecast.html import amount, write_forecast_html

    options = ForecastOptions(measures=("duty",), min_share=0.02, models=ModelOptions(horizon=12))
    scenario = demo_scenario(warehouse)
    report = forecast_revenue(warehouse, options, scenario)
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
    if scenario is not None and "scenario" in h:
        change = h["scenario"] - h["forecast"]
        console.print(
            f"   scenario, {scenario.describe()}: next quarter {amount(h['scenario'], currency)} "
            f"({'+' if change >= 0 else '-'}{amount(abs(change), currency)} against the baseline)",
            highlight=False,
        )
    if b["overall_mase"] is not None:
        console.print(
            f"   backtest MASE {b['overall_mase']:.2f} vs {b['overall_mase_seasonal_naive']:.2f} for seasonal naive "
            f"({b['series_backtested']} series); offices reconciled to the national total (MinTrace)",
            highlight=False,
        )
    return [path]


def demo_scenario(warehouse: Warehouse) -> Scenario | None:
    """What a finance ministry would ask first: the heading that brought the most duty in the last
    year, its rate raised by ``RAISE`` points from the month after the data ends, imports answering
    with an elasticity of ``ELASTICITY``."""
    from clearsight.forecast.scenarios import Scenario, TariffChange

    d = warehouse.table("declarations")
    last = d.aggregate(at=d.lodged_at.max()).to_pyarrow().to_pylist()[0]["at"]
    if last is None:
        return None
    year = d.filter(d.lodged_at >= last - dt.timedelta(days=365))
    heading = year.hs_code.substr(0, 4).name("heading")
    top = (
        year.group_by(heading)
        .aggregate(duty=year.duty_tax_amount.sum(), rate=year.duty_rate.mean())
        .order_by(ibis.desc("duty"))
        .limit(1)
        .to_pyarrow()
        .to_pylist()
    )
    if not top or top[0]["rate"] is None:
        return None
    start = (last.date().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    rate = min(100.0, round(top[0]["rate"]) + RAISE)
    return Scenario(TariffChange((top[0]["heading"],), rate, start, ELASTICITY).check())


#: The demo scenario: duty points added on the heading that brings the most, and how imports answer.
RAISE, ELASTICITY = 5.0, -0.8

STEP = DemoStep("revenue forecast for the budget", demo_forecast)
