"""A request whose path, query or form values hold a control character where none can be meaningful
(NUL above all) is refused with 400 and one line, before any route (or sign-in check) runs."""

from __future__ import annotations

import httpx
import pytest

from portal_live import password_of, start_portal, workspace


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    server, _ = start_portal(workspace(None, tmp_path_factory.mktemp("control-home")))
    token = httpx.post(
        f"{server.url}/api/v1/auth/token", data={"username": "admin", "password": password_of("admin")}
    ).json()["access_token"]
    server.admin = {"Authorization": f"Bearer {token}"}
    yield server
    server.stop()


def _one_line_400(r: httpx.Response, where: str) -> None:
    assert r.status_code == 400, (r.status_code, r.text)
    detail = r.json()["detail"] if r.headers["content-type"].startswith("application/json") else r.text
    assert where in detail and "control character" in detail and "\n" not in detail.strip()
    assert "Traceback" not in r.text


@pytest.mark.parametrize("raw_query", ["batch=%00", "batch=a%00b", "batch=%01", "batch=%7F", "batch=%C2%85", "b%00atch=x"])
def test_a_control_character_in_a_query_is_400(portal, raw_query):
    r = httpx.get(f"{portal.url}/quarantine?{raw_query}", headers=portal.admin)
    _one_line_400(r, "query")
    # The connection is still usable and the page answers a clean query.
    assert httpx.get(f"{portal.url}/quarantine", params={"batch": "clean"}, headers=portal.admin).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/declarations/a%00b", "/declarations/%0A", "/api/v1/audit%00"])
def test_a_control_character_in_the_path_is_400(portal, path):
    _one_line_400(httpx.get(f"{portal.url}{path}", headers={**portal.admin, "Accept": "application/json"}), "path")


def test_refused_before_sign_in_and_routes(portal):
    r = httpx.get(f"{portal.url}/api/v1/declarations", params={"q": "IM\x00"})  # no credentials at all
    _one_line_400(r, "query")


def test_a_control_character_in_a_form_value_is_400(portal):
    r = httpx.post(f"{portal.url}/login", data={"username": "admin\x00", "password": password_of("admin")})
    _one_line_400(r, "form")
    r = httpx.post(f"{portal.url}/api/v1/auth/token", data={"username": "admin", "password": "pw\x1b[2J"})
    _one_line_400(r, "form")


def test_meaningful_text_passes(portal):
    # Line breaks and tabs may be meaningful in a form's text; letters beyond ASCII always are.
    r = httpx.post(f"{portal.url}/api/v1/auth/token", data={"username": "admin", "password": "wrong\tpass\r\nword"})
    assert r.status_code == 401
    r = httpx.get(f"{portal.url}/api/v1/declarations", params={"q": "Zürich €"}, headers=portal.admin)
    assert r.status_code == 200 and r.json() == []
