"""``clearsight release report|compare`` and ``clearsight kpi`` through the real app: the --json
contract, the HTML pages, and one-line refusals of bad input."""

from __future__ import annotations

import json
import re

import pytest
from release_planted import load
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.warehouse import connect

runner = CliRunner()
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc\s*=", re.IGNORECASE)


@pytest.fixture(scope="module")
def home(tmp_path_factory, planted):
    path = tmp_path_factory.mktemp("release-home")
    wh = connect(f"duckdb://{(path / 'warehouse.duckdb').resolve()}")
    load(wh, planted)
    wh.close()
    return path


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_report_json_contract(home, tmp_path):
    out = tmp_path / "trs.html"
    result = run("--home", str(home), "release", "report", "--json", "--by", "office,lane",
                 "--targets", "24,48", "--out", str(out))  # fmt: skip
    data = json.loads(result.stdout)
    assert data["declarations"] == 13
    assert data["excluded"] == {"unknown_declaration": 1, "no_start": 1, "no_release": 1, "out_of_order": 1}
    assert set(data["overall"]) >= {"mean_h", "median_h", "p90_h", "within_target"}
    assert set(data["overall"]["within_target"]) == {"24", "48"}
    assert all(set(s) >= {"from", "to", "median_h", "mean_h", "p90_h", "n"} for s in data["stages"])
    assert {(g["office"], g["lane"]) for g in data["groups"]} >= {("OF1", "green"), ("OF2", "red")}
    assert data["bottlenecks"] and all("share" in b for b in data["bottlenecks"])
    page = out.read_text(encoding="utf-8")
    for chart in ("stages", "curves", "lanes", "edges"):
        assert f'id="chart-{chart}"' in page
    # self-contained: plotly.js inline in the head, no script fetched from anywhere
    assert "plotly.js v" in page and not SCRIPT_SRC.search(page)
    assert "cdn.plot.ly" not in page.split("<body>", 1)[1]


def test_report_summary_and_default_page(home):
    result = run("--home", str(home), "release", "report", "--exclude", "none", "--from", "2024-03-04")
    assert "14 declarations measured" in result.stdout and "left out:" in result.stdout
    assert (home / "reports" / "release.html").is_file()


def test_kpi_json_and_page(home):
    data = json.loads(run("--home", str(home), "kpi", "--json").stdout)
    o = data["overall"]
    assert (o["declarations"], o["selected"], o["hits"]) == (16, 3, 1)
    assert o["revenue_per_inspection"] == pytest.approx(100 / 3)
    assert {r["lane"]: r["hit_rate"] for r in data["by_lane"]}["red"] == 0.5
    assert data["random_sample"] is None and data["notes"]
    page = (home / "reports" / "kpi.html").read_text(encoding="utf-8")
    assert 'id="chart-hits"' in page and "selection reason" in page


def test_compare_json(home):
    result = run("--home", str(home), "release", "compare", "--before", "2024-03-04:2024-03-10",
                 "--after", "2024-03-11:2024-03-25", "--json", "--boot", "200")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["before"]["declarations"] + data["after"]["declarations"] == 13
    assert set(data["differences"]) == {"median_h", "p90_h"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("release", "report", "--targets", "24,abc"), "--targets must be hours"),
        (("release", "report", "--targets", "-5"), "positive hours"),
        (("release", "report", "--from", "last week"), "--from must be a date"),
        (("release", "report", "--from", "2030-01-01"), "no clearance events between 2030-01-01"),
        (("release", "report", "--by", "colour"), "unknown group dimension"),
        (("release", "report", "--exclude", "slow"), "cannot exclude slow"),
        (("release", "compare", "--before", "2024-03-04", "--after", "2024-03-05:2024-03-06"), "FROM:TO"),
        (
            ("release", "compare", "--before", "2030-01-01:2030-02-01", "--after", "2024-03-05:2024-03-06"),
            "no measurable declaration in the before period",
        ),
        (("kpi", "--from", "2024-05-01", "--to", "2024-01-01"), "starts (2024-05-01) after it ends"),
    ],
)
def test_bad_input_is_one_line(home, args, message):
    assert message in refused("--home", str(home), *args)


def test_empty_workspace(tmp_path):
    assert "holds no clearance events" in refused("--home", str(tmp_path), "release", "report")
    data = json.loads(run("--home", str(tmp_path), "kpi", "--json").stdout)
    assert data["overall"] is None
