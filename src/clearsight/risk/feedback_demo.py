"""The demo's feedback step: a model deployed some weeks ago, the drift since, and one retraining.

The demo's own model has seen every label, so there is nothing new to learn from. The step replays
a deployment instead: model ``demo-deployed`` is trained on the labels known a few weeks before the
last lodgement and promoted; the drift report compares the weeks since with its training weeks; then
``risk retrain`` trains a challenger on the newer labels and compares both on the most recent weeks.
When the challenger does not win, the model promoted before the step is promoted again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.console import console
from clearsight.core.errors import UserError
from clearsight.core.steps import DemoStep
from clearsight.core.workspace import Workspace

if TYPE_CHECKING:
    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import Warehouse

DEPLOYED = "demo-deployed"
#: The holdout holds at least this many labelled items (more weeks on a small world), at most 52 weeks.
HOLDOUT_LABELS = 150
MAX_HOLDOUT_WEEKS = 52
#: Offences the deployed model's training should hold (twice what a model needs at the least).
TRAIN_FRAUDS = 10


def _holdout_weeks(warehouse: Warehouse, last: dt.datetime) -> int:
    """Fewest whole weeks back from the last lodgement holding ``HOLDOUT_LABELS`` labelled items."""
    d, i = warehouse.table("declarations"), warehouse.table("inspections")
    lab = d.semi_join(i, ["declaration_id", "item_no"])
    cutoff = last - dt.timedelta(weeks=MAX_HOLDOUT_WEEKS)
    recent = lab.filter(lab.lodged_at >= cutoff)
    end = int(last.replace(tzinfo=dt.UTC).timestamp())
    back = recent.select(weeks=(end - recent.lodged_at.epoch_seconds()) // (7 * 86400))
    rows = back.group_by("weeks").aggregate(n=back.count()).to_pyarrow().to_pylist()
    counts = {int(r["weeks"]): int(r["n"]) for r in rows}
    total = 0
    for week in range(MAX_HOLDOUT_WEEKS):
        total += counts.get(week, 0)
        if total >= HOLDOUT_LABELS:
            return week + 1
    raise UserError(f"fewer than {HOLDOUT_LABELS} labelled items in the last {MAX_HOLDOUT_WEEKS} weeks")


def _offences_known(warehouse: Warehouse, n: int) -> dt.datetime | None:
    """The day after the ``n``-th offence found became known (None when fewer were found)."""
    from clearsight.risk.history import labels, revenue_basis

    lab = labels(warehouse, revenue_basis(warehouse))
    found = lab.filter(lab.fraud == 1).order_by("known_at").select("known_at").limit(1, offset=n - 1)
    rows = found.to_pyarrow().to_pylist()
    return dt.datetime.combine(rows[0]["known_at"].date() + dt.timedelta(days=1), dt.time()) if rows else None


def demo_feedback(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Deploy a model a few weeks back, report the drift since, retrain once; return the report paths."""
    from clearsight.risk.drift import compute_drift
    from clearsight.risk.drift_html import write_html
    from clearsight.risk.engine import train
    from clearsight.risk.registry import ModelRegistry
    from clearsight.risk.retrain import retrain

    registry = ModelRegistry(Workspace(settings).models_dir)
    before = registry.promoted()
    d = warehouse.table("declarations")
    last = d.aggregate(hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]["hi"]
    if last is None:
        raise UserError("no declarations loaded")
    weeks = _holdout_weeks(warehouse, last)
    if any(e.name == DEPLOYED for e in registry.entries()):
        registry.promote(DEPLOYED)
    else:
        deployed = dt.datetime.combine((last - dt.timedelta(weeks=2 * weeks)).date(), dt.time())
        # A small world finds few offences in its first months: deploy no earlier than the day its
        # first model could learn (enough offences known), and no later than the holdout's start.
        learnable = _offences_known(warehouse, TRAIN_FRAUDS)
        if learnable is not None and learnable > deployed:
            deployed = min(learnable, dt.datetime.combine((last - dt.timedelta(weeks=weeks)).date(), dt.time()))
        train(warehouse, registry, until=deployed, name=DEPLOYED, promote=True)
    report = compute_drift(warehouse, settings)
    path = write_html(report, Workspace(settings).reports_dir / "drift.html")
    try:
        result = retrain(warehouse, registry, holdout_weeks=weeks)
    finally:
        if registry.promoted() == DEPLOYED and before is not None:
            registry.promote(before)
    console.print(
        f"   drift since model {DEPLOYED} (trained until {str(registry.entry(DEPLOYED).trained_until)[:10]}): "
        f"{report.headline()}",
        highlight=False,
    )
    console.print(
        f"   retraining, {weeks}-week holdout: {result.decision} — {result.reason}", highlight=False
    )
    console.print(f"   scoring uses model {registry.promoted()}", highlight=False)
    return [path]


STEP = DemoStep("feedback: drift since a deployed model, one retraining", demo_feedback)
