"""The portal's Selection page over HTTP: the latest selection's lanes by office and the rules with
their hit rates, for analysts, admins and managers; analysts and admins retire rules there."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from clearsight.core.store import open_store
from clearsight.core.warehouse import connect
from clearsight.rules.profiles import rule_of
from clearsight.rules.store import add_rules, list_rules
from clearsight.selectivity.select import (
    SelectSettings,
    policy_percent,
    policy_text,
    saved_policy,
    select_batch,
)
from portal_live import ROLES, start_portal, token, trained_home, workspace


@pytest.fixture(scope="module")
def portal(tmp_path_factory, synthetic_warehouse_file):
    settings = workspace(
        trained_home(tmp_path_factory, synthetic_warehouse_file), tmp_path_factory.mktemp("selection-home")
    )
    store = open_store(settings)
    add_rules(
        store,
        [
            rule_of(
                {"name": "sea-85", "lane": "yellow", "reason": "x", "offices": "KESEA01", "hs_codes": "85"}
            ),
            rule_of({"name": "cheap", "lane": "red", "reason": "x", "max_unit_value": 20}),
        ],
    )
    wh = connect(settings.warehouse_url)
    result = select_batch(
        settings, wh, store, dt.date(2024, 11, 1), dt.date(2024, 11, 30), SelectSettings().policy()
    )
    wh.close()
    store.close()
    server, _ = start_portal(settings)
    server.result = result
    yield server
    server.stop()


@pytest.fixture(scope="module")
def headers(portal):
    return {role: {"Authorization": f"Bearer {token(portal.url, role)}"} for role in ROLES}


def test_latest_selection_and_rule_hit_rates(portal, headers):
    data = httpx.get(f"{portal.url}/selection?format=json", headers=headers["analyst"]).json()
    s, result = data["selection"], portal.result
    assert s["selection_id"] == result.selection_id and s["items"] == result.items
    assert s["lanes"] == {lane: result.lanes()[lane] for lane in ("red", "yellow", "blue", "green")}
    assert s["offices"] == {
        o: {lane: c[lane] for lane in s["lanes"]} for o, c in result.decision.counts().items()
    }
    rules = {r["rule"]: r for r in data["rules"]}
    assert list(rules) == ["sea-85", "cheap"] and data["can_manage"] is True
    hits = {r["rule"]: r["items"] for r in result.rule_hits()}
    assert {name: r["items"] for name, r in rules.items()} == hits
    assert all(r["hit_rate"] is None or 0 <= r["hit_rate"] <= 1 for r in rules.values())
    html = httpx.get(f"{portal.url}/selection", headers=headers["analyst"]).text
    assert 'id="chart-selection-lanes"' in html and "/selection/rules/cheap/disable" in html


def test_the_policy_and_the_offices_over_budget(portal, headers):
    """What the selection report shows of the run, the page and its JSON twin show too."""
    data = httpx.get(f"{portal.url}/selection?format=json", headers=headers["manager"]).json()
    s, result = data["selection"], portal.result
    assert s["policy"] == policy_percent(result.policy) and s["policy"]["red_budget"] == 5.0
    assert s["policy_text"] == policy_text(result.policy)
    # the red rule "cheap" alone sends more items to red than some offices' 5 %
    assert s["over_budget"] == result.decision.over_budget() and s["over_budget"]
    html = httpx.get(f"{portal.url}/selection", headers=headers["manager"]).text
    assert 'id="policy">Policy: red 5 % of each office' in html and "the strictest lane proposed wins" in html
    office, excess = next(iter(s["over_budget"].items()))
    assert 'id="over-budget"' in html and f"<li>{office}: {excess:,} items beyond its red budget</li>" in html
    # the policy is kept for the latest run only: an earlier one's page says so rather than guess
    settings = portal.portal.settings
    assert saved_policy(settings, result.selection_id) == result.policy
    assert saved_policy(settings, "sel-20240101-000000-000000") is None


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_it(portal, headers, role):
    r = httpx.get(f"{portal.url}/selection?format=json", headers=headers[role])
    if role in ("admin", "analyst", "manager"):
        assert r.status_code == 200 and r.json()["can_manage"] == (role != "manager")
    else:
        assert r.status_code == 403


def test_managers_see_no_disable_button(portal, headers):
    html = httpx.get(f"{portal.url}/selection", headers=headers["manager"]).text
    assert "Rule profiles" in html and "/disable" not in html


def test_retiring_a_rule(portal, headers):
    url = f"{portal.url}/selection/rules/sea-85/disable"
    assert httpx.post(url, headers=headers["manager"]).status_code == 403
    done = httpx.post(url, headers={**headers["analyst"], "Accept": "application/json"})
    assert done.status_code == 200
    assert {r["rule"]: r["enabled"] for r in done.json()["rules"]} == {"sea-85": False, "cheap": True}
    again = httpx.post(url, headers={**headers["admin"], "Accept": "application/json"})
    assert again.status_code == 409 and "already disabled" in again.json()["detail"]
    missing = httpx.post(
        f"{portal.url}/selection/rules/nope/disable",
        headers={**headers["admin"], "Accept": "application/json"},
    )
    assert missing.status_code == 404
    store = open_store(url=portal.portal.store.url)
    assert [r.rule.enabled for r in list_rules(store)] == [False, True]
    store.close()
    audit = httpx.get(f"{portal.url}/api/v1/audit", params={"actor": "analyst"}, headers=headers["admin"])
    assert audit.status_code == 200
    assert any(e["action"] == "rules.disable" and e["resource"] == "rule/sea-85" for e in audit.json())
