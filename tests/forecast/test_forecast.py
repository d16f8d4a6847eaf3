"""Forecasts on the planted history: they add up, they beat or equal seasonal naive, the closure is
seen, a tariff scenario changes exactly what it should, and bad input is a clear error."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from planted import SHOCK, month_start

from clearsight.core.errors import UserError
from clearsight.forecast import (
    ForecastOptions,
    ModelOptions,
    Scenario,
    TariffChange,
    forecast_revenue,
    parse_fx,
    store_forecasts,
    stored_forecasts,
)
from clearsight.forecast.models import cross_validate
from clearsight.forecast.series import build_hierarchy, monthly_frame

TARIFF = TariffChange(("8703",), 35.0, dt.date(2025, 3, 1), 0.0)


@pytest.fixture(scope="module")
def report(planted_warehouse, options):
    return forecast_revenue(planted_warehouse, options, Scenario(TARIFF))


def _by_id(measure):
    return {s["series_id"]: s for s in measure["series"]}


@pytest.mark.parametrize("key", ["min_trace", "bottom_up", "forecast", "scenario"])
def test_offices_add_up_to_the_national_total(report, key):
    m = report["measures"]["duty"]
    series = _by_id(m)
    for k, nat in enumerate(series["national"]["forecast"]):
        offices = sum(s["forecast"][k][key] for s in m["series"] if s["level"] == "office")
        assert abs(nat[key] - offices) <= 1e-6 * abs(nat[key])
        for office in ("OFFA", "OFFB"):
            chapters = sum(s["forecast"][k][key] for s in m["series"] if s["office_id"] == office and s["chapter"])
            assert abs(series[office]["forecast"][k][key] - chapters) <= 1e-6 * abs(chapters)
    assert m["reconciliation"]["largest_relative_gap"]["min_trace"] < 1e-6


def test_intervals_hold_the_forecast(report):
    for s in report["measures"]["duty"]["series"]:
        for p in s["forecast"]:
            assert p["lo_95"] <= p["lo_80"] <= p["forecast"] <= p["hi_80"] <= p["hi_95"]


def test_chosen_model_beats_or_equals_seasonal_naive(report):
    m = report["measures"]["duty"]
    b = m["backtest"]
    assert b["series_backtested"] == 7 and b["origins"] >= 3
    assert b["overall_mase"] <= b["overall_mase_seasonal_naive"]
    for s in m["series"]:
        assert s["mase"][s["model"]] <= s["mase"]["SeasonalNaive"]
    # trend and season: some series find a better model than last year's same month
    assert any(s["model"] != "SeasonalNaive" for s in m["series"])


def test_the_closure_month_is_the_largest_backtest_residual(planted_warehouse):
    hier = build_hierarchy(monthly_frame(planted_warehouse, "duty"), "duty", 0.0)
    office, k = SHOCK
    y = hier.y[hier.y["unique_id"] == office]
    options = ModelOptions(backtest_horizon=3, season_length=12)
    cv = cross_validate(y, options, windows=4)  # origins 23, 26, 29, 32: month 30 is forecast
    cv["error"] = (cv["y"] - cv["SeasonalNaive"]).abs()
    worst = cv.loc[cv["error"].idxmax(), "ds"]
    assert pd.Timestamp(worst) == pd.Timestamp(month_start(k))


def test_tariff_scenario_changes_only_the_headings_duty_by_the_expected_amount(report, planted_warehouse):
    m = report["measures"]["duty"]
    series = _by_id(m)
    # 8703 pays 25 % and carries (over the last 12 months) its share of OFFA/87's duty
    hist = monthly_frame(planted_warehouse, "duty")
    last12 = hist[hist["month"] >= hist["month"].max() - pd.DateOffset(months=11)]
    from planted import PLAN  # noqa: F401  (the plan names the rates used below)

    d = planted_warehouse.table("declarations")
    recent = d.filter(d.lodged_at >= last12["month"].min()).to_pandas()
    a87 = recent[(recent.office_id == "OFFA") & (recent.hs2 == "87")]
    share = a87[a87.hs4 == "8703"].duty_tax_amount.sum() / a87.duty_tax_amount.sum()
    for s in m["series"]:
        for p in s["forecast"]:
            effect = p["scenario"] - p["forecast"]
            if s["series_id"] in ("OFFA/87", "OFFA", "national") and p["month"] >= "2025-03":
                expected = series["OFFA/87"]["forecast"][s["forecast"].index(p)]["forecast"] * share * (35 / 25 - 1)
                assert effect == pytest.approx(expected, rel=1e-6)
            else:
                assert abs(effect) < 1e-6 * max(abs(p["forecast"]), 1)


def test_exchange_rate_path_scales_every_series(planted_warehouse, options):
    r = forecast_revenue(planted_warehouse, options, Scenario(fx=parse_fx("2025-02:+10")))
    nat = _by_id(r["measures"]["duty"])["national"]["forecast"]
    assert nat[0]["scenario"] == pytest.approx(nat[0]["forecast"])  # 2025-01: before the change
    assert nat[1]["scenario"] == pytest.approx(nat[1]["forecast"] * 1.10)


def test_stored_forecasts_read_back_for_the_portal(planted_warehouse, report):
    assert store_forecasts(planted_warehouse, report) > 0
    stored = stored_forecasts(planted_warehouse, "duty")
    assert stored["run_id"] == report["run_id"] and stored["method"] == "min_trace"
    nat = stored["series"][0]
    assert nat["series_id"] == "national" and len(nat["forecast"]) == len(nat["scenario"]) == 6
    expected = _by_id(report["measures"]["duty"])["national"]["forecast"][0]["forecast"]
    assert nat["forecast"][0]["forecast"] == pytest.approx(expected)
    assert {s["series_id"] for s in stored["series"]} == {"national", "OFFA", "OFFB"}


@pytest.mark.parametrize(
    ("scenario", "options", "message"),
    [
        (Scenario(TariffChange(("9999",), 20, dt.date(2025, 3, 1))), None, "HS heading 9999 has no declarations"),
        (Scenario(TariffChange(("87",), 20, dt.date(2025, 3, 1))), None, "not 4 digits"),
        (Scenario(TariffChange(("8703",), 20, dt.date(2025, 3, 1), 1.5)), None, "elasticity must be between"),
        (Scenario(TariffChange(("8703",), 20, dt.date(2030, 3, 1))), None, "outside the forecast"),
        (None, ForecastOptions(models=ModelOptions(horizon=0)), "horizon must be between 1 and 60"),
        (None, ForecastOptions(measures=("vat",)), "unknown measure 'vat'"),
    ],
)
def test_bad_input_is_a_clear_error(planted_warehouse, options, scenario, message):
    with pytest.raises(UserError, match=message):
        forecast_revenue(planted_warehouse, options if options is not None else ForecastOptions(
            measures=("duty",), models=ModelOptions(horizon=6)), scenario)


def test_short_and_sparse_series_get_the_stated_fallback(tmp_path):
    from planted import planted_declarations

    from clearsight.core.warehouse import connect

    table = planted_declarations(shock=False)
    keep = np.array([ts.year >= 2023 or office != "OFFB" for ts, office in zip(
        table["lodged_at"].to_pylist(), table["office_id"].to_pylist(), strict=True)])
    wh = connect(f"duckdb://{tmp_path / 'w.duckdb'}")
    try:
        wh.insert("declarations", table.filter(keep))  # OFFB starts a year late: 24 months, then fewer
        r = forecast_revenue(wh, ForecastOptions(measures=("duty",), min_share=0.0,
                                                 models=ModelOptions(horizon=3, season_length=12)))
        series = _by_id(r["measures"]["duty"])
        # OFFB has 24 months: enough; drop to 18 by asking for less history
        r2 = forecast_revenue(wh, ForecastOptions(measures=("duty",), min_share=0.0, date_from=dt.date(2023, 7, 1),
                                                  models=ModelOptions(horizon=3)))
        short = _by_id(r2["measures"]["duty"])["OFFB"]
        assert short["model"] == "HistoricAverage" and short["fallback"].startswith("short:")
        assert series["OFFB"]["fallback"] is None
        assert all(p["forecast"] > 0 for p in short["forecast"])
    finally:
        wh.close()


def test_fan_chart_and_report_speak_the_palette_and_the_currency(report, tmp_path):
    from clearsight.core.palette import LANES
    from clearsight.forecast.html import amount, fan_figure, write_forecast_html

    national = report["measures"]["duty"]["series"][0]
    fig = fan_figure(national, "National", [80, 95], "KES")
    bands = [t for t in fig.data if t.name.endswith("% interval")]
    assert len(bands) == 2 and all(t.mode == "lines" for t in bands), "a band's edge is no data point"
    drawn = {t.line.color for t in fig.data} | {t.fillcolor for t in bands}
    assert not drawn & set(LANES.values()), "lane colours mean lanes, not forecasts"
    assert fig.layout.yaxis.title.text == "KES" and fig.layout.yaxis.rangemode == "tozero"
    html = write_forecast_html(report, tmp_path / "forecast.html", "KES").read_text()
    headline = report["measures"]["duty"]["headline_next_quarter"]["forecast"]
    assert amount(headline, "KES").endswith(" KES") and amount(headline, "KES") in html


def test_the_demo_scenario_raises_the_heading_that_brings_the_most_duty(planted_warehouse):
    from clearsight.forecast.demo import ELASTICITY, RAISE, demo_scenario

    d = planted_warehouse.table("declarations").to_pyarrow().to_pandas()
    last = d.lodged_at.max()
    year = d[d.lodged_at >= last - pd.Timedelta(days=365)]
    by_heading = year.groupby(year.hs_code.str[:4])
    top = by_heading.duty_tax_amount.sum().idxmax()
    scenario = demo_scenario(planted_warehouse)
    t = scenario.tariff
    assert t.headings == (top,) and t.elasticity == ELASTICITY
    assert t.rate == round(by_heading.duty_rate.mean()[top]) + RAISE
    assert t.start > last.date() and t.start.day == 1
