"""``clearsight forecast``: revenue forecasts for budget planning, with scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from clearsight.cli_kit import command, emit, open_warehouse, workspace_of
from clearsight.console import console, err_console

JsonOption = Annotated[bool, typer.Option("--json", help="Print the forecast as one JSON object on stdout.")]


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command to the main app."""
    app.command("forecast")(forecast_command)


@command
def forecast_command(
    ctx: typer.Context,
    measure: Annotated[
        str, typer.Option("--measure", help="duty (duty and taxes assessed), value (customs value), or both.")
    ] = "both",
    horizon: Annotated[int, typer.Option("--horizon", help="Months to forecast.")] = 12,
    method: Annotated[
        str, typer.Option("--method", help="Reconciliation published: min_trace or bottom_up.")
    ] = "min_trace",
    windows: Annotated[int, typer.Option("--windows", help="Backtest origins (a quarter apart).")] = 4,
    min_share: Annotated[
        float, typer.Option("--min-share", help="Chapters below this share of their office are summed into 'other'.")
    ] = 0.01,
    date_from: Annotated[str | None, typer.Option("--from", help="First month of history, YYYY-MM.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last month of history, YYYY-MM.")] = None,
    tariff: Annotated[
        str | None,
        typer.Option("--tariff", help="Scenario: HEADINGS:RATE@MONTH, e.g. 8703,8704:35@2025-03 (new duty rate, %)."),
    ] = None,
    elasticity: Annotated[
        float, typer.Option("--elasticity", help="Import-value elasticity to the duty-paid price (-3 to 0).")
    ] = 0.0,
    fx: Annotated[
        str | None,
        typer.Option("--fx", help="Scenario: MONTH:PERCENT,... change of import values in national currency, e.g. 2025-03:+5."),
    ] = None,
    models: Annotated[
        str | None,
        typer.Option("--models", help="Candidates, comma-separated, among SeasonalNaive (always), AutoETS, AutoTheta, "
                     "ARIMA (the airline model) and AutoARIMA (a slower search of orders); default: all but AutoARIMA."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Processes fitting the models.")] = 1,
    as_json: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML report (default: <home>/reports/forecast.html).")
    ] = None,
) -> None:
    """Forecast monthly duty and taxes and import value per office and HS chapter, reconciled to the
    national total, with intervals, backtests against seasonal naive, and tariff or exchange-rate scenarios."""
    import calendar

    from clearsight.core.errors import UserError
    from clearsight.forecast import (
        CANDIDATES,
        ForecastOptions,
        FxPath,
        ModelOptions,
        Scenario,
        forecast_revenue,
        parse_fx,
        parse_month,
        store_forecasts,
        write_forecast_html,
    )
    from clearsight.forecast.scenarios import TariffChange

    measures = ("duty", "value") if measure == "both" else (measure,)
    first = parse_month(date_from, "--from") if date_from else None
    last = None
    if date_to:
        start = parse_month(date_to, "--to")
        last = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if first and last and first > last:
        raise UserError(f"--from ({first:%Y-%m}) is after --to ({last:%Y-%m})")
    change = _parse_tariff(tariff, elasticity, TariffChange) if tariff else None
    if elasticity and change is None:
        raise UserError("--elasticity applies to a tariff change: give --tariff too")
    path: FxPath | None = parse_fx(fx) if fx else None
    scenario = Scenario(change, path) if (change or path) else None
    candidates = CANDIDATES if models is None else tuple(dict.fromkeys(m.strip() for m in models.split(",") if m.strip()))
    options = ForecastOptions(
        measures=measures, date_from=first, date_to=last, method=method, min_share=min_share,
        models=ModelOptions(horizon=horizon, backtest_windows=windows, n_jobs=jobs, candidates=candidates),
    )
    options.check()
    with open_warehouse(ctx) as wh:
        wh.hide_progress()
        err_console.print("backtesting and forecasting…")
        report = forecast_revenue(wh, options, scenario)
        store_forecasts(wh, report)
    workspace = workspace_of(ctx)
    report["currency"] = workspace.currency  # duty and import values are in the national currency
    report_path = write_forecast_html(report, out or workspace.report("forecast.html"), workspace.currency)
    emit(report, as_json, _print_forecast, report=report_path, indent=None)


def _parse_tariff(text: str, elasticity: float, kind: Any):
    from clearsight.core.errors import UserError
    from clearsight.forecast import parse_month

    headings, sep, rest = text.partition(":")
    rate, at, month = rest.partition("@")
    if not sep or not at:
        raise UserError(f"--tariff takes HEADINGS:RATE@MONTH, like 8703,8704:35@2025-03; got {text!r}")
    try:
        value = float(rate.strip().rstrip("%"))
    except ValueError:
        raise UserError(f"--tariff: the rate {rate!r} is not a number (percent)") from None
    names = tuple(h.strip() for h in headings.split(",") if h.strip())
    return kind(names, value, parse_month(month, "--tariff"), elasticity).check()


def _print_forecast(report: dict[str, Any]) -> None:
    from clearsight.forecast.html import amount

    currency = report.get("currency")

    def amount_in(value: float | None) -> str:
        return amount(value, currency)

    for m in report["measures"].values():
        h, b = m["headline_next_quarter"], m["backtest"]
        console.print(
            f"[bold]{m['label']}[/]: next quarter ({h['months'][0]} to {h['months'][-1]}) "
            f"{amount_in(h['forecast'])} (80 % interval {amount_in(h['lo_80'])} to {amount_in(h['hi_80'])})"
            + (f"; scenario {amount_in(h['scenario'])}" if "scenario" in h else ""),
            highlight=False,
        )
        if b["overall_mase"] is not None:
            console.print(
                f"  backtest MASE {b['overall_mase']:.2f} vs seasonal naive {b['overall_mase_seasonal_naive']:.2f} "
                f"({b['series_backtested']} series, {b['origins']} origins); models: "
                + ", ".join(f"{k} {v}" for k, v in m["models_chosen"].items()),
                highlight=False,
            )
        else:
            console.print("  no series long enough to backtest: every series uses the fallback", highlight=False)
        gap = m["reconciliation"]["largest_relative_gap"][m["reconciliation"]["published"]]
        console.print(f"  offices add up to the national total (largest relative gap {gap:.1e})", highlight=False)
