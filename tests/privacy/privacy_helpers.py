"""Helpers of the privacy tests (a module with its own name: every room has a conftest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()
#: Quasi-identifiers that give a k=5 release of the 12,000-item fixture with modest suppression.
TEST_QIS = "lodged_at,hs_code,office_id,customs_value"


def make_home(warehouse_file: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse_file, folder / "warehouse.duckdb")
    return folder


def invoke(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args])


def build(home: Path, *args: str) -> dict:
    """Run ``share build --json`` and return the manifest (fails the test on a non-zero exit)."""
    result = invoke(home, "share", "build", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
