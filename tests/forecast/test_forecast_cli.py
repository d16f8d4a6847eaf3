"""``clearsight forecast`` end to end: JSON, the stored table, the report, and one-line errors."""

from __future__ import annotations

import json

import pytest
from planted import planted_declarations
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("forecast-home")
    wh = Workspace(Settings(home=home)).open_warehouse()
    wh.insert("declarations", planted_declarations())
    wh.close()
    return home


def test_forecast_json_and_report(home):
    result = CliRunner().invoke(
        app, ["--home", str(home), "forecast", "--measure", "duty", "--horizon", "3", "--min-share", "0",
              "--tariff", "8703:35@2025-02", "--elasticity", "-0.5", "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.splitlines()[0])
    m = report["measures"]["duty"]
    nat = m["series"][0]
    assert nat["series_id"] == "national" and len(nat["forecast"]) == 3 and "scenario" in nat["forecast"][1]
    assert set(nat["mase"]) == {"SeasonalNaive", "AutoETS", "AutoTheta", "ARIMA"}
    assert (home / "reports" / "forecast.html").read_text().count("fan-duty-") >= 3


def test_autoarima_on_request(home):
    result = CliRunner().invoke(
        app, ["--home", str(home), "forecast", "--measure", "duty", "--horizon", "3", "--windows", "1",
              "--models", "SeasonalNaive, AutoARIMA", "--json"],
    )
    assert result.exit_code == 0, result.output
    national = json.loads(result.stdout.splitlines()[0])["measures"]["duty"]["series"][0]
    assert set(national["mase"]) == {"SeasonalNaive", "AutoARIMA"}
    assert national["model"] in {"SeasonalNaive", "AutoARIMA"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "0"], "horizon must be between 1 and 60"),
        (["--tariff", "9999:20@2025-02"], "HS heading 9999 has no declarations"),
        (["--tariff", "8703:20@2025-02", "--elasticity", "2"], "elasticity must be between"),
        (["--tariff", "8703-20"], "HEADINGS:RATE@MONTH"),
        (["--fx", "2025-02:lots"], "is not a percentage"),
        (["--models", "AutoETS,Prophet"], "models must be among"),
        (["--models", "AutoETS"], "and include SeasonalNaive"),
    ],
)
def test_bad_input_is_one_error_line(home, args, message):
    result = CliRunner().invoke(app, ["--home", str(home), "forecast", "--measure", "duty", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
