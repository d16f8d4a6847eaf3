"""``clearsight quality`` through the real app: an empty workspace, a loaded one, --json and --out."""

from __future__ import annotations

import json

import pytest
from quality_planted import AS_OF, load_duckdb
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.warehouse import connect
from clearsight.schema import DATA_TABLES

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_empty_workspace(tmp_path):
    home = tmp_path / "home"
    result = run("--home", str(home), "quality", "--as-of", AS_OF.isoformat())
    assert "holds no data yet" in result.stdout
    page = home / "reports" / "quality.html"
    assert page.is_file()
    assert "report:" in result.stdout and "quality.html" in result.stdout


def test_empty_workspace_json(tmp_path):
    result = run("--home", str(tmp_path), "quality", "--json", "--as-of", AS_OF.isoformat())
    data = json.loads(result.stdout)  # stdout is one JSON object, the page's path goes to stderr
    assert data["empty"] is True and data["as_of"] == "2024-07-01"
    assert [(t["table"], t["rows"]) for t in data["tables"]] == [(name, 0) for name in DATA_TABLES]
    assert (tmp_path / "reports" / "quality.html").is_file()


@pytest.fixture
def loaded_home(tmp_path, planted):
    wh = connect(f"duckdb://{(tmp_path / 'warehouse.duckdb').resolve()}")
    load_duckdb(wh, planted)
    wh.close()
    return tmp_path


def test_loaded_json_and_out(loaded_home, tmp_path):
    out = tmp_path / "elsewhere" / "q.html"
    result = run("--home", str(loaded_home), "quality", "--json", "--as-of", "2024-07-01", "--out", str(out))
    data = json.loads(result.stdout)
    decl = data["tables"][0]
    assert (decl["table"], decl["rows"], decl["duplicate_rows"]) == ("declarations", 483, 3)
    assert data["unit_values"]["outliers"] == 5
    assert data["quarantine"]["by_table"] == {"declarations": 7, "inspections": 3}
    assert out.is_file() and 'id="chart-outliers"' in out.read_text(encoding="utf-8")


def test_loaded_summary(loaded_home):
    result = run("--home", str(loaded_home), "quality", "--as-of", "2024-07-01", "--min-count", "3")
    text = result.stdout
    assert "declarations" in text and "483" in text
    assert "importer_id" in text  # a required field below 100 %
    assert "610910" in text and "quarantined rows: 10" in text
    assert (loaded_home / "reports" / "quality.html").is_file()


def test_bad_date_is_one_line(tmp_path):
    result = runner.invoke(app, ["--home", str(tmp_path), "quality", "--as-of", "yesterday"])
    assert result.exit_code == 2
    assert "--as-of" in result.output and "Traceback" not in result.output
