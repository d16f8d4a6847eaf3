"""The trade commands through the real app: ingest --preset, mirror (--json contract, HTML page),
valuation reference|flags, and one-line refusals."""

from __future__ import annotations

import json
import re

import pytest
from trade_planted import load, planted_declarations, planted_flows
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.warehouse import connect

runner = CliRunner()
ROW_KEYS = [
    "period",
    "reporter",
    "partner",
    "hs_code",
    "import_value",
    "mirror_export_value",
    "log_ratio",
    "robust_z",
    "weight_ratio",
    "unit_value_ratio",
    "pattern",
    "revenue_at_risk",
]


def run(home, *args: str, code: int = 0):
    result = runner.invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def home(tmp_path):
    wh = connect(f"duckdb://{(tmp_path / 'warehouse.duckdb').resolve()}")
    load(wh, planted_flows(), planted_declarations())
    wh.close()
    return tmp_path


def test_mirror_json_contract_and_page(home, tmp_path):
    out = tmp_path / "pages" / "mirror.html"
    args = ("--reporter", "KE", "--limit", "4", "--min-value", "0", "--out", str(out))
    result = run(home, "mirror", "--json", *args)
    data = json.loads(result.stdout)  # one JSON object on stdout; notes and the page path on stderr
    assert list(data)[:4] == ["pairs", "median_ratio", "cif_fob_factor", "rows"]
    assert data["pairs"] == 9 and data["cif_fob_factor"] == 1.1
    assert len(data["rows"]) == 4 and all(list(r) == ROW_KEYS for r in data["rows"])
    assert [r["pattern"] for r in data["rows"][:3]].count("valuation") == 1
    # declarations give HS 610910 a 25 % duty rate: revenue at risk without --duty-rate
    th = next(r for r in data["rows"] if r["partner"] == "TH")
    assert th["revenue_at_risk"] == pytest.approx((1000 - 550 / 1.1) * 1.1 * 0.25)
    page = out.read_text(encoding="utf-8")
    assert 'id="chart-mirror-scatter"' in page and 'id="chart-trends"' in page
    assert "<script src=" not in page  # Plotly inline: the page opens offline
    assert "mirror.html" in result.stderr
    assert data["min_value"] == 0 and data["ranking"] == "gaps of every pair, whatever its value"


def test_mirror_ranks_gaps_above_a_minimum_value_by_default(home):
    data = json.loads(run(home, "mirror", "--json", "--reporter", "KE").stdout)
    assert data["min_value"] == 10_000 and data["rows"] == [] and data["small_pairs_not_ranked"] == 13
    text = run(home, "mirror", "--reporter", "KE", "--min-value", "2000").stdout
    assert "gaps of pairs where either side reaches 2,000 USD; 10 smaller pairs not ranked" in text
    assert "Traceback" not in run(home, "mirror", "--min-value", "-5", code=2).output


def test_mirror_terminal_summary_and_default_page(home):
    result = run(home, "mirror", "--hs-level", "4", "--no-mode-factors")
    assert "pairs compared (HS4, by year)" in result.stdout
    assert "partners reporting no exports: MX" in result.stdout
    assert re.search(r"revenue at risk[^\n]*\d USD", result.stdout), result.stdout
    assert "USD USD" not in result.stdout  # the amount's own currency, once
    assert (home / "reports" / "mirror.html").is_file()


def test_mirror_from_declarations_needs_a_rate_or_usd_invoices(home):
    result = run(home, "mirror", "--source", "declarations", "--reporter", "KE", code=2)
    assert "give --usd-rate" in result.stderr and "Traceback" not in result.output
    result = run(home, "mirror", "--source", "declarations", "--reporter", "KE", "--usd-rate", "1", "--json")
    data = json.loads(result.stdout)
    assert data["source"] == "declarations" and data["counts"]["declared_items_used"] == 15


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mirror", "--hs-level", "7"], "--hs-level must be one of 2, 4, 6"),
        (["mirror", "--period", "week"], "--period must be year or month"),
        (["mirror", "--mode-factor", "sea"], "--mode-factor expects MODE=FACTOR"),
        (["mirror", "--source", "customs"], "--source must be trade_flows or declarations"),
        (["mirror", "--cif-fob", "0.8"], "below 1"),
        (["valuation", "reference", "--period", "week"], "period must be year, quarter or month"),
    ],
)
def test_bad_options_get_one_line(home, args, message):
    result = run(home, *args, code=2)
    assert message in result.stderr and "Traceback" not in result.output


def test_valuation_reference_and_flags_json(home, tmp_path):
    data = json.loads(run(home, "valuation", "reference", "--json").stdout)
    assert data["groups"] == 2 and data["by_level"] == {"hs6_origin": 1, "hs6": 1}
    assert {r["country_of_origin"] for r in data["rows"]} == {"CN", None}
    out = tmp_path / "flags.csv"
    data = json.loads(run(home, "valuation", "flags", "--json", "--out", str(out)).stdout)
    assert (data["items_priced"], data["flagged"], data["items_without_reference"]) == (15, 1, 0)
    assert data["rows"][0]["unit_value"] == pytest.approx(1.0) and data["duty_at_risk"] > 0
    assert len(out.read_text().splitlines()) == 2  # header and the flagged item
    assert "1 of 15 priced items flagged" in run(home, "valuation", "flags").stdout


def test_ingest_preset(tmp_path):
    path = tmp_path / "api.csv"
    path.write_text(
        "reporterCode,partnerCode,flowCode,cmdCode,period,primaryValue,netWgt,qty,qtyUnitCode\n"
        "404,156,1,610910,2023,1000,10,,-1\n"
        "404,0,1,610910,2023,5000,50,,-1\n",
        encoding="utf-8",
    )
    data = json.loads(
        run(tmp_path, "ingest", "trade_flows", str(path), "--preset", "comtrade", "--json").stdout
    )
    assert (data["rows_in"], data["accepted"], data["quarantined"]) == (2, 1, 1)
    result = run(tmp_path, "ingest", "trade_flows", str(path), "--preset", "comtrade", "-m", "x.yaml", code=2)
    assert "give --preset or --mapping, not both" in result.stderr
    result = run(tmp_path, "ingest", "trade_flows", str(path), "--preset", "eurostat", code=1)
    assert "unknown preset 'eurostat'" in result.stderr and "Traceback" not in result.output
