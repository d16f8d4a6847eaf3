"""Every route × every role: the one authorisation dependency lets exactly the policy's roles through."""

from __future__ import annotations

import httpx
import pytest

from clearsight.access.roles import POLICY, allowed
from clearsight.portal.app import route_table
from portal_live import OFFICE, ROLES

SAMPLE = {"declaration_id": None, "name": "nobody", "prefix": "00000000"}


def routes(app) -> list[tuple[str, str, str]]:
    return route_table(app)


@pytest.fixture(scope="module")
def own_declaration(live, tokens) -> str:
    r = httpx.get(f"{live.url}/api/v1/declarations", params={"office_id": OFFICE, "limit": 1},
                  headers={"Authorization": f"Bearer {tokens['analyst']}"})
    return r.json()[0]["declaration_id"]


def test_every_route_declares_a_known_permission(live):
    found = routes(live.app)
    assert len(found) >= 25
    for method, path, permission in found:
        assert permission in POLICY, f"{method} {path} declares no known permission"


def test_every_route_for_every_role(live, tokens, own_declaration):
    checked = 0
    for method, path, permission in routes(live.app):
        url = live.url + path.format(**{**SAMPLE, "declaration_id": own_declaration})
        for role in ROLES:
            r = httpx.request(method, url, headers={"Authorization": f"Bearer {tokens[role]}", "Accept": "application/json"})
            if allowed(permission, role):
                assert r.status_code not in (401, 403), f"{role} refused {method} {path}: {r.text}"
                assert r.status_code < 500, f"{role} {method} {path}: {r.status_code} {r.text}"
            else:
                assert r.status_code == 403, f"{role} allowed {method} {path} ({r.status_code})"
                assert role in r.json()["detail"]
            checked += 1
        anonymous = httpx.request(method, url, headers={"Accept": "application/json"})
        if permission == "public":
            assert anonymous.status_code not in (401, 403)
        else:
            assert anonymous.status_code == 401, f"anonymous {method} {path}: {anonymous.status_code}"
    assert checked >= 25 * len(ROLES)


def test_service_key_reaches_scoring_only(live):
    key = {"X-API-Key": live.extra["service_key"]}
    assert httpx.get(f"{live.url}/api/v1/me", headers=key).json()["role"] == "service"
    assert httpx.get(f"{live.url}/api/v1/declarations", headers=key).status_code == 403
    assert httpx.get(f"{live.url}/api/v1/overview", headers=key).status_code == 403


def test_pages_send_anonymous_people_to_sign_in(live):
    r = httpx.get(f"{live.url}/declarations?q=x", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/declarations?q=x"
