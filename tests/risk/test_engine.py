"""Training and evaluation on the synthetic world ingested through the real gate: the evaluation
contract, no label from after the cutoff, detection against the ground truth, degraded data and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from clearsight.core.errors import UserError
from clearsight.core.warehouse import connect
from clearsight.risk.engine import evaluate, train
from clearsight.risk.registry import ModelRegistry

CUTOFF = dt.datetime(2024, 3, 1)
METRIC_KEYS = {
    "auc",
    "precision_at",
    "recall_at",
    "revenue_at",
    "critical_recall_at",
    "normalised_revenue_at",
}


def sql(wh, text: str) -> None:
    wh.run_sql(text)


def test_evaluation_contract_and_ground_truth(synthetic_warehouse, synthetic_world_dir):
    ev = evaluate(synthetic_warehouse, CUTOFF, world_dir=synthetic_world_dir)
    data = ev.to_json_dict()
    assert data["budgets"] == [1, 2, 5, 10]
    assert set(data["metrics"]) == METRIC_KEYS
    assert set(data["baselines"]) == {"random", "importer_past_fraud_rate", "plain_gbm"}
    for b in data["baselines"].values():
        assert set(b["metrics"]) == METRIC_KEYS and list(b["metrics"]["precision_at"]) == [
            "1",
            "2",
            "5",
            "10",
        ]
    assert data["revenue_basis"] == "additional_revenue"
    assert data["n_train"] > 300 and data["n_test"] > 200 and data["n_test_items"] > data["n_test"]
    # recall and revenue share only grow with the budget
    for key in ("recall_at", "revenue_at"):
        values = list(data["metrics"][key].values())
        assert values == sorted(values)
    # against the truth (every test item, inspected or not) the model finds far more fraud than chance
    truth = data["ground_truth"]["metrics"]
    assert data["ground_truth"]["n_items"] == data["n_test_items"]
    assert truth["model"]["auc"] > truth["random"]["auc"] + 0.1
    assert truth["model"]["precision_at"]["5"] > 2 * truth["random"]["precision_at"]["5"]


def test_no_label_from_after_the_cutoff_reaches_the_model(synthetic_warehouse, tmp_path):
    """Rewriting every result known at or after the cutoff must not change the trained model at all."""
    registry = ModelRegistry(tmp_path / "models")
    train(synthetic_warehouse, registry, until=CUTOFF, name="before")
    sql(
        synthetic_warehouse,
        "UPDATE inspections SET result = CASE WHEN result = 'compliant' THEN 'fraud' ELSE 'compliant' END, "
        "additional_revenue = 12345 WHERE inspected_at >= TIMESTAMP '2024-03-01'",
    )
    train(synthetic_warehouse, registry, until=CUTOFF, name="after")
    a = (tmp_path / "models" / "before" / "fraud.lgb.txt").read_text()
    b = (tmp_path / "models" / "after" / "fraud.lgb.txt").read_text()
    assert a == b
    assert registry.entry("before").n_train == registry.entry("after").n_train


def test_missing_optional_fields_degrade_and_say_so(synthetic_warehouse):
    sql(synthetic_warehouse, "UPDATE inspections SET additional_revenue = NULL, inspected_at = NULL")
    sql(synthetic_warehouse, "UPDATE declarations SET seller_id = NULL, goods_description = NULL")
    ev = evaluate(synthetic_warehouse, CUTOFF, budgets=[0.05, 0.1], objective="revenue")
    data = ev.to_json_dict()
    assert data["revenue_basis"] == "duty_at_stake"
    notes = " ".join(data["notes"])
    assert "no seller_id" in notes and "duty at stake" in notes and "no inspected_at" in notes
    assert data["budgets"] == [5, 10] and data["metrics"]["revenue_at"]["10"] > 0


def test_bad_input_is_one_clear_message(synthetic_warehouse, tmp_path):
    empty = connect(f"duckdb://{tmp_path / 'empty' / 'warehouse.duckdb'}")
    with pytest.raises(UserError, match="holds no declarations"):
        evaluate(empty, CUTOFF)
    empty.close()
    with pytest.raises(UserError, match="labelled items"):
        evaluate(synthetic_warehouse, dt.datetime(2023, 1, 9))
    with pytest.raises(UserError, match="leaves nothing on one side"):
        evaluate(synthetic_warehouse, dt.datetime(2031, 1, 1))
    with pytest.raises(UserError, match="must be after"):
        evaluate(synthetic_warehouse, CUTOFF, end=dt.datetime(2024, 1, 1))
    sql(synthetic_warehouse, "UPDATE inspections SET result = 'compliant'")
    with pytest.raises(UserError, match="0 fraudulent"):
        evaluate(synthetic_warehouse, CUTOFF)
