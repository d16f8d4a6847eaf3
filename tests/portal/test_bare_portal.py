"""A portal over an empty workspace: no model yet (503, not an invented score), sign-in throttling."""

from __future__ import annotations

import httpx
import pytest

from portal_live import password_of, sample_declaration, start_portal, workspace


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    server, extra = start_portal(workspace(None, tmp_path_factory.mktemp("bare-home")))
    server.extra = extra
    yield server
    server.stop()


def test_score_without_a_model_is_503_with_a_plain_message(bare):
    key = {"X-API-Key": bare.extra["service_key"]}
    r = httpx.post(f"{bare.url}/api/v1/score", json=sample_declaration(), headers=key)
    assert r.status_code == 503
    assert r.json() == {"detail": "no risk model has been promoted; run clearsight risk train"}
    bad = httpx.post(f"{bare.url}/api/v1/score", json={"declaration_id": "X"}, headers=key)
    assert bad.status_code == 422  # validation comes before the model


def test_empty_warehouse_pages_still_answer(bare):
    token = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "admin", "password": password_of("admin")}).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    overview = httpx.get(f"{bare.url}/api/v1/overview", headers=h).json()
    assert overview["totals"]["items"] == 0 and overview["months"] == []
    queue = httpx.get(f"{bare.url}/queue", params={"format": "json"}, headers=h).json()
    assert queue["items"] == []
    assert httpx.get(f"{bare.url}/api/v1/models", headers=h).json() == {"promoted": None, "models": []}


def test_sign_in_is_rate_limited(bare):
    for _ in range(5):
        r = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "manager", "password": "guess-guess-guess"})
        assert r.status_code == 401
    r = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "manager", "password": password_of("manager")})
    assert r.status_code == 429 and "too many failed sign-ins" in r.json()["detail"]
    assert int(r.headers["retry-after"]) > 0
    page = httpx.post(f"{bare.url}/login", data={"username": "manager", "password": password_of("manager")})
    assert page.status_code == 429 and "too many failed sign-ins" in page.text
