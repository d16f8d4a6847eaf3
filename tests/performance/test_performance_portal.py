"""/performance (contracts: managers read and write them) and /integrity (managers, auditors, admins
only; every read audited), each with its JSON twin."""

from __future__ import annotations

import shutil

import httpx
import pytest

from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.performance import save_contract
from portal_live import start_portal, token

CONTRACT = """id: sea01-2024
title: Sea port 1, 2024
office: KESEA01
period: {from: 2024-01, to: 2024-12}
indicators:
  median_release_h: 24
  hit_rate: 0.15
"""


@pytest.fixture(scope="module")
def server(synthetic_warehouse_file, tmp_path_factory):
    settings = Settings(home=tmp_path_factory.mktemp("performance-portal"), currency="KES")
    shutil.copyfile(synthetic_warehouse_file, settings.home / "warehouse.duckdb")
    save_contract(Workspace(settings).contracts_dir, CONTRACT, "test")
    live, _ = start_portal(settings)
    yield live
    live.stop()


def headers(server, role):
    return {"Authorization": f"Bearer {token(server.url, role)}"}


def test_a_manager_reads_a_contract_status(server):
    h = headers(server, "manager")
    data = httpx.get(f"{server.url}/performance", params={"contract": "sea01-2024", "format": "json"}, headers=h).json()
    assert [c["id"] for c in data["contracts"]] == ["sea01-2024"] and data["can_manage"]
    assert data["status"]["contract"]["id"] == "sea01-2024" and len(data["status"]["indicators"]) == 2
    page = httpx.get(f"{server.url}/performance", params={"contract": "sea01-2024"}, headers=h)
    assert page.status_code == 200 and "Sea port 1, 2024" in page.text and "Median release time" in page.text
    assert page.text.count("<h1") == 1  # the portal's page title; the report's own title is a section here
    assert httpx.get(f"{server.url}/performance", params={"contract": "nope"}, headers=h).status_code == 404


def test_a_manager_saves_a_contract_and_a_bad_one_is_refused(server):
    h = headers(server, "manager")
    text = CONTRACT.replace("sea01-2024", "sea01-h2").replace("2024-01", "2024-07")
    r = httpx.post(f"{server.url}/performance/contracts", data={"contract_yaml": text}, headers=h,
                   params={"format": "json"})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["contract"]["id"] == "sea01-h2"
    bad = httpx.post(f"{server.url}/performance/contracts", data={"contract_yaml": text.replace("hit_rate", "hits")},
                     headers=h, params={"format": "json"})
    assert bad.status_code == 422 and "the contract form line 7, indicators.hits" in bad.json()["error"]
    audit = httpx.get(f"{server.url}/api/v1/audit", headers=headers(server, "auditor")).json()
    assert any(e["action"] == "pmc.contract.save" and e["actor"] == "manager" for e in audit)


@pytest.mark.parametrize("role", ["analyst", "officer", "researcher"])
def test_integrity_is_refused_to_other_roles(server, role):
    assert httpx.get(f"{server.url}/integrity", headers=headers(server, role)).status_code == 403


@pytest.mark.parametrize("role", ["officer", "researcher", "auditor"])
def test_only_managers_and_admins_write_contracts(server, role):
    r = httpx.post(f"{server.url}/performance/contracts", data={"contract_yaml": CONTRACT}, headers=headers(server, role))
    assert r.status_code == 403


def test_an_auditor_reads_integrity_and_the_read_is_audited(server):
    h = headers(server, "auditor")
    data = httpx.get(f"{server.url}/integrity", params={"format": "json"}, headers=h).json()
    assert len(data["flags"]) == 3
    page = httpx.get(f"{server.url}/integrity", headers=h)
    assert page.status_code == 200 and "a reason to look, not a finding" in page.text
    assert page.text.count("<h1") == 1
    audit = httpx.get(f"{server.url}/api/v1/audit", headers=h).json()
    assert sum(e["action"] == "integrity.read" and e["actor"] == "auditor" for e in audit) == 2


def test_a_manager_sees_the_flags_without_trader_ids(server, synthetic_world_dir):
    import json

    trader = json.loads((synthetic_world_dir / "world.json").read_text())["integrity"]["officer"]["trader"]
    r = httpx.get(f"{server.url}/integrity", params={"format": "json"}, headers=headers(server, "manager"))
    assert r.status_code == 200 and trader not in r.text
    assert any(f.get("importer_id") == "trader withheld: auditors see it" for f in r.json()["flags"])
    auditor = httpx.get(f"{server.url}/integrity", params={"format": "json"}, headers=headers(server, "auditor"))
    assert trader in auditor.text
