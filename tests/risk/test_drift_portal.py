"""The Models page shows drift warnings (HTML and JSON) when the scored population has moved."""

from __future__ import annotations

import httpx
import pytest
from drift_planted import copy, planted_file, train_model

from portal_live import start_portal, token, trained_home, workspace


@pytest.fixture(scope="module")
def drifted_portal(tmp_path_factory):
    home = tmp_path_factory.mktemp("drift-portal")
    wh = copy(planted_file(tmp_path_factory), home / "warehouse.duckdb")
    try:
        train_model(wh, home / "models")
    finally:
        wh.close()
    server, _ = start_portal(workspace(None, home))
    yield server
    server.stop()


def test_models_page_warns_of_drift(drifted_portal):
    headers = {"Authorization": f"Bearer {token(drifted_portal.url, 'analyst')}"}
    data = httpx.get(f"{drifted_portal.url}/models?format=json", headers=headers).json()
    warnings = data["drift_warnings"]
    assert any(w.startswith("Customs value has drifted") for w in warnings)
    assert any(w.startswith("Mode of transport has drifted") for w in warnings)
    assert not any(w.startswith("Duty rate") for w in warnings)
    html = httpx.get(f"{drifted_portal.url}/models", headers=headers).text
    assert 'id="drift-warnings"' in html and "Customs value has drifted" in html
    # Cached: the page answers the same warnings again without counting anew.
    again = httpx.get(f"{drifted_portal.url}/models?format=json", headers=headers).json()
    assert again["drift_warnings"] == warnings


def test_models_page_without_enough_weeks_shows_none(tmp_path_factory, synthetic_warehouse_file):
    # 12,000 items over two years: no week holds enough items to measure drift.
    settings = workspace(
        trained_home(tmp_path_factory, synthetic_warehouse_file), tmp_path_factory.mktemp("quiet")
    )
    server, _ = start_portal(settings)
    try:
        headers = {"Authorization": f"Bearer {token(server.url, 'analyst')}"}
        data = httpx.get(f"{server.url}/models?format=json", headers=headers).json()
        assert data["promoted"] and data["drift_warnings"] == []
        assert 'id="drift-warnings"' not in httpx.get(f"{server.url}/models", headers=headers).text
    finally:
        server.stop()
