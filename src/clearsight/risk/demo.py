"""The risk step of ``clearsight demo``: a deployment replayed two thirds into the data, its evaluation
report, then the first model promoted for scoring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clearsight.console import console
from clearsight.core.errors import UserError
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_risk(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Replay a risk-model deployment two thirds into the data, write its report, train the first model."""
    from clearsight.risk.engine import evaluate, train
    from clearsight.risk.html import write_html
    from clearsight.risk.registry import ModelRegistry

    d = warehouse.table("declarations")
    span = d.aggregate(lo=d.lodged_at.min(), hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]
    if span["lo"] is None:
        raise UserError("no declarations loaded")
    cutoff = dt.datetime.combine((span["lo"] + (span["hi"] - span["lo"]) * 2 / 3).date(), dt.time())
    world = Workspace(settings).demo_world_dir
    registry = ModelRegistry(Workspace(settings).models_dir)
    ev = evaluate(warehouse, cutoff, world_dir=world if (world / "ground_truth.csv").exists() else None)
    if not any(e.name == "demo" for e in registry.entries()):
        train(warehouse, registry, name="demo", promote=True)
    path = write_html(ev, Workspace(settings).reports_dir / "risk-evaluation.html")
    if ev.ground_truth:  # the synthetic world knows every item's truth, inspected or not
        m, r = ev.ground_truth["metrics"]["model"], ev.ground_truth["metrics"]["random"]
        basis = "all test items, against the ground truth"
    else:
        m, r = ev.metrics, ev.baselines["random"]["metrics"]
        basis = "inspected test items"
    console.print(
        f"   deployed {cutoff:%Y-%m-%d}: inspecting 5 % of items finds fraud in "
        f"{m['precision_at']['5']:.0%} of them (random: {r['precision_at']['5']:.0%}) and "
        f"{m['revenue_at']['5']:.0%} of the revenue ({basis}); model 'demo' promoted for scoring",
        highlight=False,
    )
    return [path]


STEP = DemoStep("risk model: evaluation against baselines, then the first model", demo_risk)
