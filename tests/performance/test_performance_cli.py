"""``clearsight pmc`` and ``clearsight integrity`` end to end on the synthetic world: JSON, the reports,
the audit entries, and one-line errors."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace

CONTRACT = """id: sea01-2024
title: Sea port 1, 2024
office: KESEA01
period: {from: 2024-01, to: 2024-12}
indicators:
  median_release_h: 24
  red_share: 0.05
  hit_rate: 0.15
"""


@pytest.fixture(scope="module")
def home(synthetic_warehouse_file, tmp_path_factory):
    home = tmp_path_factory.mktemp("performance-home")
    shutil.copyfile(synthetic_warehouse_file, home / "warehouse.duckdb")
    return home


def run(home, *args):
    return CliRunner().invoke(app, ["--home", str(home), *args])


def test_save_list_and_status(home, tmp_path):
    source = tmp_path / "sea.yaml"
    source.write_text(CONTRACT)
    assert run(home, "pmc", "save", str(source)).exit_code == 0
    listed = json.loads(run(home, "pmc", "list", "--json").stdout)
    assert [c["id"] for c in listed] == ["sea01-2024"]
    result = run(home, "pmc", "status", "sea01-2024", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout.splitlines()[0])
    assert status["declarations"] > 0 and len(status["indicators"]) == 3
    assert {i["status"] for i in status["indicators"]} <= {"met", "missed", "no data"}
    assert all(len(i["monthly"]) == 12 for i in status["indicators"])
    report = Workspace(Settings(home=home)).report("pmc-sea01-2024.html").read_text()
    assert "Sea port 1, 2024" in report and "Signature" in report


def test_a_bad_contract_is_one_error_line(home, tmp_path):
    source = tmp_path / "bad.yaml"
    source.write_text(CONTRACT.replace("hit_rate", "hit_ratio"))
    result = run(home, "pmc", "save", str(source))
    assert result.exit_code == 2
    assert f"{source} line 8, indicators.hit_ratio: unknown indicator" in result.output
    assert "Traceback" not in result.output
    assert run(home, "pmc", "status", "nope").exit_code == 2


def test_integrity_flags_and_audits(home, synthetic_world_dir):
    from clearsight.access.audit import entries

    result = run(home, "integrity", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.splitlines()[0])
    truth = json.loads((synthetic_world_dir / "world.json").read_text())["integrity"]
    assert truth["officer"]["officer_id"] in {f.get("officer_id") for f in report["flags"]}
    assert "a reason to look, not a finding" in report["caution"]
    store = Workspace(Settings(home=home)).open_app_store()
    try:
        reads = [e for e in entries(store) if e.action == "integrity.read"]
    finally:
        store.close()
    assert len(reads) == 1 and reads[0].actor.startswith("cli:")
    assert run(home, "integrity", "--from", "2024-13-01").exit_code == 2
