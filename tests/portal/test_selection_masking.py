"""The Selection page shows a manager (aggregates only, no declaration-level rows) what each rule
targets without the trader ids it names; roles that read declarations see the rule as written."""

from __future__ import annotations

import httpx
import pytest

from clearsight.rules.profiles import rule_of
from clearsight.rules.store import add_rules
from portal_live import password_of, start_portal, workspace

WATCHED = ["IM-WATCH-0001", "IM-WATCH-0002", "IM-WATCH-0003"]
DECLARANT = "DC-WATCH-77"
SELLER = "SL-WATCH-55"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    server, _ = start_portal(workspace(None, tmp_path_factory.mktemp("selection-home")))
    add_rules(server.portal.store, [
        rule_of({"name": "watch-list", "lane": "red", "reason": f"importers under investigation, {WATCHED[0]} first",
                 "importers": WATCHED, "declarants": [DECLARANT], "countries_of_origin": ["CN"]}),
        rule_of({"name": "seller-check", "lane": "yellow", "reason": "a seller of concern",
                 "condition": f"seller_id = '{SELLER}' and customs_value > 1000"}),
        rule_of({"name": "big-values", "lane": "yellow", "reason": "large consignments", "condition": "customs_value > 100000"}),
    ])
    yield server
    server.stop()


def _get(portal, role: str, fmt: str | None = "json") -> httpx.Response:
    token = httpx.post(
        f"{portal.url}/api/v1/auth/token", data={"username": role, "password": password_of(role)}
    ).json()["access_token"]
    params = {"format": fmt} if fmt else {}
    return httpx.get(f"{portal.url}/selection", params=params, headers={"Authorization": f"Bearer {token}"})


SECRETS = [*WATCHED, DECLARANT, SELLER]


def test_a_manager_sees_counts_not_trader_ids(portal):
    as_json = _get(portal, "manager")
    assert as_json.status_code == 200
    assert not [s for s in SECRETS if s in as_json.text]
    rules = {r["rule"]: r for r in as_json.json()["rules"]}
    assert "3 importer ids" in rules["watch-list"]["criteria"] and "1 declarant id" in rules["watch-list"]["criteria"]
    assert "CN" in rules["watch-list"]["criteria"]  # what is not about a trader stays
    assert "seller_id" not in rules["seller-check"]["criteria"] and "hidden" in rules["seller-check"]["criteria"]
    assert rules["big-values"]["criteria"] == "condition: customs_value > 100000"
    html = _get(portal, "manager", None)
    assert html.status_code == 200 and "3 importer ids" in html.text
    assert not [s for s in SECRETS if s in html.text]


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_that_read_declarations_see_the_rule_as_written(portal, role):
    r = _get(portal, role)
    assert r.status_code == 200 and all(s in r.text for s in SECRETS)
