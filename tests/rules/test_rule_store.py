"""Rule profiles in the app store, on SQLite and PostgreSQL: added whole or not at all, listed,
disabled (kept, with when)."""

from __future__ import annotations

import pytest

from clearsight.core.errors import UserError
from clearsight.core.store.db import HEAD
from clearsight.rules.profiles import rule_of
from clearsight.rules.store import add_rules, disable_rule, enabled_rules, list_rules
from portal_live import app_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    yield from app_store(request.param, tmp_path)


def rule(name: str, **values):
    return rule_of({"name": name, "lane": "red", "reason": "because", "owner": "ana", **values})


def test_rules_round_trip_through_the_store(store):
    assert store.revision() == HEAD
    added = add_rules(
        store,
        [
            rule(
                "solar",
                hs_codes="8541",
                countries_of_origin="CN",
                valid_from="2024-01-01",
                valid_to="2024-12-31",
            ),
            rule("cheap", lane="yellow", max_unit_value=1.5, condition="customs_value > 1000"),
        ],
    )
    assert [r.name for r in added] == ["solar", "cheap"]
    listed = list_rules(store)
    assert [r.rule for r in listed] == [r.rule for r in added]
    first = listed[0].to_json_dict()
    assert first["criteria"] == {"hs_codes": ["8541"], "countries_of_origin": ["CN"]}
    assert first["valid_from"] == "2024-01-01" and first["owner"] == "ana" and first["disabled_at"] is None
    assert [r.name for r in enabled_rules(store).rules] == ["solar", "cheap"]


def test_a_taken_name_refuses_the_whole_batch(store):
    add_rules(store, [rule("solar", hs_codes="8541")])
    with pytest.raises(UserError, match="a rule called 'solar' already exists"):
        add_rules(store, [rule("new-one", hs_codes="85"), rule("solar", hs_codes="85")])
    with pytest.raises(UserError, match="two rules share a name: twin"):
        add_rules(store, [rule("twin", hs_codes="85"), rule("twin", hs_codes="84")])
    assert [r.name for r in list_rules(store)] == ["solar"]


def test_disable_keeps_the_rule_and_says_when(store):
    add_rules(store, [rule("solar", hs_codes="8541"), rule("later", hs_codes="84", enabled=False)])
    assert list_rules(store)[1].disabled_at is not None  # stored disabled from the start
    disabled = disable_rule(store, "solar")
    assert not disabled.rule.enabled and disabled.disabled_at is not None
    assert [r.name for r in list_rules(store)] == ["solar", "later"]
    assert list_rules(store, include_disabled=False) == [] and len(enabled_rules(store)) == 0
    with pytest.raises(UserError, match="already disabled"):
        disable_rule(store, "solar")
    with pytest.raises(UserError, match="no rule called 'nope'; rules: solar, later"):
        disable_rule(store, "nope")
