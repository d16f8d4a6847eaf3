"""``clearsight risk`` through the real app: train, models, promote, evaluate --json, score (warehouse
dates and a file in another shape), explain, and one-line refusals."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.settings import Settings
from clearsight.risk.scorer import RiskScorer

runner = CliRunner()


def run(home, *args: str, code: int = 0):
    result = runner.invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def home(synthetic_warehouse_file, tmp_path_factory):
    """A workspace holding the synthetic warehouse and one trained model, shared by this module."""
    home = tmp_path_factory.mktemp("risk-home")
    shutil.copyfile(synthetic_warehouse_file, home / "warehouse.duckdb")
    out = run(home, "risk", "train", "--until", "2024-10-01", "--name", "first", "--json")
    entry = json.loads(out.stdout)
    assert entry["name"] == "first" and entry["n_train"] > 300 and entry["fingerprint"]
    return home


def test_registry_lists_and_promotes(home):
    folder = home / "models" / "first"
    assert {"model.json", "fraud.lgb.txt", "features.json", "metrics.json"} <= {
        p.name for p in folder.iterdir()
    }
    listed = json.loads(run(home, "risk", "models", "--json").stdout)
    assert listed["promoted"] == "first" and [m["name"] for m in listed["models"]] == ["first"]
    refused = run(home, "risk", "promote", "nosuch", code=2)
    assert "no model called 'nosuch'" in refused.output and "Traceback" not in refused.output
    run(home, "risk", "train", "--name", "first", code=2)  # names are unique
    run(home, "risk", "train", "--objective", "profit", code=2)


def test_evaluate_json_contract(home):
    out = run(home, "risk", "evaluate", "--cutoff", "2024-03-01", "--budgets", "2,10", "--json")
    data = json.loads(out.stdout)  # stdout is exactly one JSON object
    assert {"model", "baselines", "budgets", "metrics", "n_train", "n_test", "revenue_basis"} <= set(data)
    assert data["budgets"] == [2, 10] and list(data["metrics"]["recall_at"]) == ["2", "10"]
    page = (home / "reports" / "risk-evaluation.html").read_text(encoding="utf-8")
    body = page.split("<body>", 1)[1]
    assert 'id="chart-precision"' in body and "cdn.plot.ly" not in body and "<script src=" not in page
    assert "additional_revenue" in body
    assert (
        "must be after"
        in run(home, "risk", "evaluate", "--cutoff", "2024-03-01", "--end", "2024-01-01", code=2).output
    )
    assert (
        "percentages"
        in run(home, "risk", "evaluate", "--cutoff", "2024-03-01", "--budgets", "a", code=2).output
    )


def test_score_from_dates_and_explain(home, tmp_path):
    out = tmp_path / "s.parquet"
    run(home, "risk", "score", "--from", "2024-12-01", "--out", str(out))
    scores = pq.read_table(out)
    assert scores.num_rows > 100
    assert sorted(scores["rank"].to_pylist()) == list(range(1, scores.num_rows + 1))
    top = scores.sort_by("rank").slice(0, 1).to_pylist()[0]
    assert 0 < top["fraud_probability"] < 1 and top["reasons"]
    said = run(home, "risk", "explain", top["declaration_id"], "--item", str(top["item_no"]), "--json")
    explained = json.loads(said.stdout)
    assert len(explained) == 1 and explained[0]["reasons"]
    assert "no declaration 'NOPE'" in run(home, "risk", "explain", "NOPE", code=2).output
    assert "either a FILE" in run(home, "risk", "score", "--out", str(out), code=2).output


def test_score_a_file_with_missing_fields_and_unseen_values(home, tmp_path):
    """A file with only the required fields, an office and an HS code never seen: scored, not refused."""
    rows = pa.table(
        {
            "declaration_id": ["NEW-1", "NEW-1", "NEW-2"],
            "item_no": [1, 2, 1],
            "lodged_at": ["2025-01-05 10:00:00"] * 3,
            "importer_id": ["IM-NEVER-SEEN", "IM-NEVER-SEEN", "IM000109"],
            "declarant_id": ["DC1", "DC1", "DC2"],
            "office_id": ["XX999", "XX999", "KECOU01"],
            "country_of_origin": ["CN", "CN", "US"],
            "hs_code": ["99999999", "61091000", "85414300"],
            "customs_value": [1000.0, 250000.0, 5000.0],
        }
    )
    path = tmp_path / "new.csv"
    pacsv.write_csv(rows, path)
    out = tmp_path / "new.parquet"
    res = run(home, "risk", "score", str(path), "--out", str(out), "--json")
    summary = json.loads(res.stdout)
    assert summary["items"] == 3 and any("seller_id" in n for n in summary["notes"])
    scored = pq.read_table(out)
    assert scored["declaration_id"].to_pylist() == ["NEW-1", "NEW-1", "NEW-2"]
    assert all(0 <= p <= 1 for p in scored["fraud_probability"].to_pylist())
    refused = run(home, "risk", "score", str(tmp_path / "missing.csv"), "--out", str(out), code=2)
    assert "no such file" in refused.output
    pacsv.write_csv(rows.drop_columns(["customs_value"]), path)
    assert "customs_value" in run(home, "risk", "score", str(path), "--out", str(out), code=2).output


def test_scorer_entry_point_for_one_declaration(home):
    """What the portal calls: load once, then score one declaration at a time (same answer as a batch)."""
    scorer = RiskScorer.load(Settings(home=home))
    one = pa.table(
        {
            "declaration_id": ["P-1"],
            "item_no": [1],
            "lodged_at": pa.array([None], pa.timestamp("s")),
            "importer_id": ["IM000109"],
            "country_of_origin": ["US"],
            "hs_code": ["85414300"],
            "customs_value": [233183.25],
            "net_mass_kg": [362.0],
            "duty_rate": [0.0],
        }
    )
    single = scorer.score(one).to_pylist()[0]
    many = pa.concat_tables([one] * 80)  # the large-batch look-up path; one item per declaration
    many = many.set_column(0, "declaration_id", pa.array([f"P-{i}" for i in range(1, 81)]))
    batch = scorer.score(many).to_pylist()[0]
    assert single["fraud_probability"] == pytest.approx(batch["fraud_probability"])
    assert single["rank"] == 1 and isinstance(single["reasons"], list)
