"""The demo's feedback step: a deployed model, the drift report, one logged retraining, and scoring
left on a model trained on every label (or on the one promoted before)."""

from __future__ import annotations

from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.risk.engine import train
from clearsight.risk.feedback_demo import DEPLOYED, demo_feedback
from clearsight.risk.registry import ModelRegistry
from clearsight.risk.retrain import history


def test_demo_feedback_runs_twice(synthetic_warehouse, tmp_path):
    settings = Settings(home=tmp_path)
    registry = ModelRegistry(Workspace(settings).models_dir)
    train(synthetic_warehouse, registry, name="demo", promote=True, model_params={"n_estimators": 30})
    for run in (1, 2):
        paths = demo_feedback(settings, synthetic_warehouse)
        assert [p.name for p in paths] == ["drift.html"] and paths[0].stat().st_size > 0
        log = history(registry)
        assert len(log) == run and log[-1].champion == DEPLOYED
        promoted = registry.promoted()
        assert promoted == (log[-1].promoted if log[-1].decision == "promoted" else "demo")
