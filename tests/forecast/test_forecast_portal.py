"""The portal's /forecast page and its JSON twin read the stored forecast; only the roles holding
``forecast.read`` (admin, analyst, auditor, manager) may open it."""

from __future__ import annotations

import httpx
import pytest
from planted import planted_declarations

from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.forecast import ForecastOptions, ModelOptions, forecast_revenue, store_forecasts
from portal_live import start_portal, token


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = Settings(home=tmp_path_factory.mktemp("forecast-portal"), currency="KES")
    wh = Workspace(settings).open_warehouse()
    wh.insert("declarations", planted_declarations())
    report = forecast_revenue(wh, ForecastOptions(measures=("duty",), min_share=0.0, models=ModelOptions(horizon=3)))
    store_forecasts(wh, report)
    wh.close()
    live, _ = start_portal(settings)
    live.report = report
    yield live
    live.stop()


def test_manager_reads_the_stored_forecast(server):
    h = {"Authorization": f"Bearer {token(server.url, 'manager')}"}
    data = httpx.get(f"{server.url}/forecast", params={"format": "json"}, headers=h).json()
    stored = data["forecast"]
    assert stored["run_id"] == server.report["run_id"]
    nat = stored["series"][0]
    expected = server.report["measures"]["duty"]["series"][0]["forecast"]
    assert nat["next_quarter"] == pytest.approx(sum(p["forecast"] for p in expected))
    offices = [s for s in stored["series"] if s["level"] == "office"]
    assert sum(s["next_quarter"] for s in offices) == pytest.approx(nat["next_quarter"], rel=1e-6)
    html = httpx.get(f"{server.url}/forecast", headers=h)
    assert html.status_code == 200 and "chart-forecast-national" in html.text and "OFFA" in html.text
    assert f"{nat['next_quarter']:,.0f} KES" in html.text  # money with its currency


@pytest.mark.parametrize(("role", "status"), [("auditor", 200), ("researcher", 403), ("officer", 403)])
def test_only_forecast_readers_may_open_it(server, role, status):
    h = {"Authorization": f"Bearer {token(server.url, role)}"}
    assert httpx.get(f"{server.url}/forecast", params={"format": "json"}, headers=h).status_code == status


def test_a_measure_without_a_forecast_says_so(server):
    h = {"Authorization": f"Bearer {token(server.url, 'manager')}"}
    assert httpx.get(f"{server.url}/forecast", params={"format": "json", "measure": "value"}, headers=h).json()[
        "forecast"] is None
    assert httpx.get(f"{server.url}/forecast", params={"format": "json", "measure": "vat"}, headers=h).status_code == 400
