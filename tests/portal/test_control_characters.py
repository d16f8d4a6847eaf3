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


def refusal(r: httpx.Response) -> tuple[int, str]:
    """The status and the one-line message of an answer (JSON ``detail`` or plain text)."""
    assert "Traceback" not in r.text
    detail = r.json()["detail"] if r.headers["content-type"].startswith("application/json") else r.text
    return r.status_code, detail.strip()


def refused_for(where: str, detail: str) -> bool:
    """The message names where the control character was, and is one line."""
    return where in detail and "control character" in detail and "\n" not in detail


@pytest.mark.parametrize("raw_query", ["batch=%00", "batch=a%00b", "batch=%01", "batch=%7F", "batch=%C2%85", "b%00atch=x"])
def test_a_control_character_in_a_query_is_400(portal, raw_query):
    status, detail = refusal(httpx.get(f"{portal.url}/quarantine?{raw_query}", headers=portal.admin))
    assert status == 400 and refused_for("query", detail), (status, detail)
    # The connection is still usable and the page answers a clean query.
    assert httpx.get(f"{portal.url}/quarantine", params={"batch": "clean"}, headers=portal.admin).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/declarations/a%00b", "/declarations/%0A", "/api/v1/audit%00"])
def test_a_control_character_in_the_path_is_400(portal, path):
    status, detail = refusal(httpx.get(f"{portal.url}{path}", headers={**portal.admin, "Accept": "application/json"}))
    assert status == 400 and refused_for("path", detail), (status, detail)


def test_refused_before_sign_in_and_routes(portal):
    r = httpx.get(f"{portal.url}/api/v1/declarations", params={"q": "IM\x00"})  # no credentials at all
    status, detail = refusal(r)
    assert status == 400 and refused_for("query", detail), (status, detail)  # not 401: refused first


def test_a_control_character_in_a_form_value_is_400(portal):
    r = httpx.post(f"{portal.url}/login", data={"username": "admin\x00", "password": password_of("admin")})
    status, detail = refusal(r)
    assert status == 400 and refused_for("form", detail), (status, detail)
    r = httpx.post(f"{portal.url}/api/v1/auth/token", data={"username": "admin", "password": "pw\x1b[2J"})
    status, detail = refusal(r)
    assert status == 400 and refused_for("form", detail), (status, detail)


def test_meaningful_text_passes(portal):
    # Line breaks and tabs may be meaningful in a form's text; letters beyond ASCII always are.
    r = httpx.post(f"{portal.url}/api/v1/auth/token", data={"username": "admin", "password": "wrong\tpass\r\nword"})
    assert r.status_code == 401
    r = httpx.get(f"{portal.url}/api/v1/declarations", params={"q": "Zürich €"}, headers=portal.admin)
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("/api/v1/score", {"seller_id": "SL\x00EVIL"}, "seller_id"),
        ("/api/v1/score", {"items": [{"goods_description": "frozen\x00beef"}]}, "goods_description"),
        ("/api/v1/inspections", {"fraud_type": "valuation\x00"}, "fraud_type"),
    ],
)
def test_a_control_character_in_a_json_field_is_refused_naming_it(portal, route, body, field):
    item = {"item_no": 1, "hs_code": "020230", "country_of_origin": "BR", "customs_value": 1000.0}
    declaration = {"declaration_id": "D1", "office_id": "KESEA01", "declarant_id": "DC1", "importer_id": "IM1"}
    if route.endswith("score"):
        payload = {**declaration, "items": [item], **body}
        if "items" in body:
            payload["items"] = [{**item, **body["items"][0]}]
    else:
        payload = {"declaration_id": "D1", "item_no": 1, "result": "fraud", **body}
    r = httpx.post(f"{portal.url}{route}", json=payload, headers=portal.admin)
    assert r.status_code == 422, (r.status_code, r.text)
    assert field in r.text and "Traceback" not in r.text


def test_free_text_in_json_keeps_line_breaks(portal):
    item = {"item_no": 1, "hs_code": "020230", "country_of_origin": "BR", "customs_value": 1000.0,
            "goods_description": "frozen boneless beef\ncuts,\tvacuum packed"}
    payload = {"declaration_id": "D1", "office_id": "KESEA01", "declarant_id": "DC1", "importer_id": "IM1",
               "items": [item]}
    r = httpx.post(f"{portal.url}/api/v1/score", json=payload, headers=portal.admin)
    assert r.status_code != 422, r.text  # past validation: scored, or no model in this workspace
