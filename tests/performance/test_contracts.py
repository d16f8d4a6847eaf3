"""Contracts: YAML checked whole, each problem named with its file, line and key; saving keeps the
version replaced and writes an audit entry."""

from __future__ import annotations

import pytest

from clearsight.core.errors import UserError
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.performance import get_contract, list_contracts, parse_contract, save_contract

GOOD = """id: sea-2024
title: Sea port 2024
office: KESEA01
period: {from: 2024-01, to: 2024-06}
signatory: {name: A. Director, title: Commissioner}
indicators:
  median_release_h: 24
  red_share: 0.05
  hit_rate: 0.15
"""


def test_a_good_contract_reads_whole():
    c = parse_contract(GOOD, "sea.yaml")
    assert (c.id, c.office, c.months()) == ("sea-2024", "KESEA01", [f"2024-0{m}" for m in range(1, 7)])
    assert [(t.indicator, t.direction, t.target) for t in c.targets] == [
        ("median_release_h", "at_most", 24.0), ("red_share", "at_most", 0.05), ("hit_rate", "at_least", 0.15)]
    assert c.targets[0].met(20.0) and not c.targets[0].met(30.0) and c.targets[2].met(0.2)
    assert c.targets[0].met(None) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  hit_rate: 0.15", "  hit_ratio: 0.15"), "sea.yaml line 9, indicators.hit_ratio: unknown indicator 'hit_ratio'"),
        (("red_share: 0.05", "red_share: 5"), "sea.yaml line 8, indicators.red_share: red_share is a share between 0 and 1"),
        (("to: 2024-06", "to: 2024-13"), "sea.yaml line 4, period.to: a month is written YYYY-MM"),
        (("from: 2024-01", "from: 2025-01"), "sea.yaml line 4, period: the period starts (2025-01) after it ends"),
        (("title:", "titel:"), "sea.yaml line 2, titel: unknown field 'titel'"),
        (("median_release_h: 24", "median_release_h: soon"), "indicators.median_release_h: a target is a number"),
        (("office: KESEA01\n", ""), "sea.yaml line 1: office is required"),
        (("id: sea-2024", "id: [sea"), "sea.yaml line 2: not valid YAML"),
    ],
)
def test_a_bad_contract_is_refused_with_file_line_and_key(change, message):
    with pytest.raises(UserError) as err:
        parse_contract(GOOD.replace(*change), "sea.yaml")
    assert message in str(err.value)


def test_a_team_contract_holds_only_indicators_of_controls():
    team = GOOD.replace("office: KESEA01", "office: KESEA01\nteam: Long room A\nofficers: [KESEA01-O001]")
    with pytest.raises(UserError, match="red_share measures an office, not a team's controls"):
        parse_contract(team, "team.yaml")
    c = parse_contract(team.replace("  red_share: 0.05\n", ""), "team.yaml")
    assert c.officers == ("KESEA01-O001",) and "Long room A" in c.scope


def test_saving_keeps_the_replaced_version_and_is_audited(tmp_path):
    from clearsight.access.audit import entries

    workspace = Workspace(Settings(home=tmp_path))
    workspace.create()
    store = workspace.open_app_store()
    try:
        folder = workspace.contracts_dir
        save_contract(folder, GOOD, "sea.yaml", store=store, actor="director", role="manager")
        save_contract(folder, GOOD.replace("hit_rate: 0.15", "hit_rate: 0.2"), "portal", store=store,
                      actor="director", role="manager")
        assert [c.id for c in list_contracts(folder)] == ["sea-2024"]
        assert get_contract(folder, "sea-2024").targets[2].target == 0.2
        history = list((folder / "history").glob("sea-2024-*.yaml"))
        assert len(history) == 1 and "hit_rate: 0.15" in history[0].read_text()
        saves = [e for e in entries(store) if e.action == "pmc.contract.save"][::-1]
        assert [e.resource for e in saves] == ["contract:sea-2024"] * 2 and saves[0].actor == "director"
        with pytest.raises(UserError, match="no contract 'other'; contracts: sea-2024"):
            get_contract(folder, "other")
    finally:
        store.close()
