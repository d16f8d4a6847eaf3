"""Retraining: a challenger on the newest labels is compared with the champion on a holdout neither
has seen, promoted only when it is better, and every comparison is logged."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.errors import UserError
from clearsight.risk.engine import label_table, train
from clearsight.risk.registry import ModelRegistry
from clearsight.risk.retrain import LOG_FILE, history, retrain
from feedback_world import copy, world_file

CHAMPION_UNTIL = dt.datetime(2024, 4, 1)
PARAMS = {"n_estimators": 30, "num_leaves": 7}


@pytest.fixture
def workspace(tmp_path_factory, tmp_path):
    source = world_file(tmp_path_factory, "20-weeks", items=30_000, days=140, seed=11)
    wh = copy(source, tmp_path / "warehouse.duckdb")
    yield wh, ModelRegistry(tmp_path / "models")
    wh.close()


@pytest.fixture
def with_champion(workspace):
    wh, registry = workspace
    train(wh, registry, until=CHAMPION_UNTIL, name="champion", promote=True, model_params=PARAMS)
    return wh, registry


def test_first_retrain_trains_and_promotes_a_model(workspace):
    wh, registry = workspace
    result = retrain(wh, registry, name="first")
    assert result.decision == "first" and result.champion is None and registry.promoted() == "first"
    assert [c.decision for c in history(registry)] == ["first"]


def test_a_better_challenger_is_refitted_on_every_label_and_promoted(with_champion):
    wh, registry = with_champion
    result = retrain(wh, registry, holdout_weeks=4, margin=-1.0, name="next")
    assert result.decision == "promoted" and registry.promoted() == "next" == result.promoted
    start = dt.datetime.fromisoformat(result.holdout["from"])
    challenger = registry.entry("next-holdout")
    assert challenger.trained_until == str(start) and start >= CHAMPION_UNTIL
    # The holdout is every labelled item lodged from its start: count them independently.
    lab = label_table(wh, registry.entry("champion").revenue_basis)
    d = wh.table("declarations")
    lodged = d.filter(d.lodged_at >= start).select("declaration_id", "item_no").to_pyarrow()
    held = lab.join(lodged, ["declaration_id", "item_no"], join_type="inner")
    assert (
        result.holdout["labels"] == held.num_rows
        and result.holdout["frauds"] == pc.sum(held["fraud"]).as_py()
    )
    # The final model learned from every label, the holdout's included, with the champion's parameters.
    final = registry.entry("next")
    assert final.n_train == lab.num_rows > challenger.n_train
    _, model = registry.load("next")
    assert model.n_estimators == PARAMS["n_estimators"] and model.num_leaves == PARAMS["num_leaves"]
    logged = history(registry)[-1]
    assert (
        logged.champion_metrics == result.champion_metrics
        and logged.challenger_metrics != logged.champion_metrics
    )


def test_a_challenger_short_of_the_margin_is_not_promoted(with_champion):
    wh, registry = with_champion
    result = retrain(wh, registry, metric="revenue", budget=0.10, margin=1.0, name="hopeful")
    assert result.decision == "kept" and result.promoted is None and registry.promoted() == "champion"
    assert "does not beat" in result.reason and "revenue at 10 %" in result.reason
    assert result.value("challenger") - result.value("champion") < 1.0
    assert "hopeful" not in {e.name for e in registry.entries()}  # no refit for a loser
    assert len((registry.dir / LOG_FILE).read_text().splitlines()) == 1


def test_without_refit_the_compared_model_is_promoted(with_champion):
    wh, registry = with_champion
    result = retrain(wh, registry, margin=-1.0, refit=False, name="as-compared", metric="auc")
    assert result.promoted == "as-compared" == registry.promoted()
    assert registry.entry("as-compared").trained_until == str(
        dt.datetime.fromisoformat(result.holdout["from"])
    )


def test_too_few_new_labels_is_one_clear_line(workspace):
    wh, registry = workspace
    train(wh, registry, name="everything", promote=True, model_params=PARAMS)
    with pytest.raises(UserError, match="labels became known after model everything"):
        retrain(wh, registry)
    with pytest.raises(UserError, match="no recent items are left"):
        retrain(wh, registry, min_new_labels=1)
    with pytest.raises(UserError, match="--metric must be one of"):
        retrain(wh, registry, metric="accuracy")


def test_retrain_command_json_and_history(with_champion, tmp_path):
    wh, _ = with_champion
    wh.close()
    runner = CliRunner()
    home = ["--home", str(tmp_path)]
    result = runner.invoke(app, [*home, "risk", "retrain", "--margin", "1", "--name", "cli", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["decision"] == "kept" and data["champion"] == "champion" and data["holdout"]["labels"] > 0
    shown = runner.invoke(app, [*home, "risk", "retrain", "--history", "--json"])
    assert [c["challenger"] for c in json.loads(shown.stdout)] == ["cli-holdout"]
    table = runner.invoke(app, [*home, "risk", "retrain", "--history"])
    assert "retraining log" in table.stdout and "kept" in table.stdout
    bad = runner.invoke(app, [*home, "risk", "retrain", "--budget", "0"])
    assert bad.exit_code == 2 and "--budget must be" in bad.output and "Traceback" not in bad.output
