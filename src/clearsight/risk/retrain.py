"""Retraining: a challenger on the newest labels against the promoted model (the champion).

Every inspection result is a new label. ``clearsight risk retrain`` trains a challenger with the same
hyper-parameters as the champion on every label known before the *holdout* — the most recent
``holdout_weeks`` weeks of lodgements — and scores the labelled items of the holdout with both models,
with the same point-in-time history frozen at the holdout's start (what a deployment on that date
would have known). Neither model has seen those labels: the holdout starts no earlier than the end of
the champion's training (it shrinks when the champion was trained later, and the run refuses when too
few labels remain).

The challenger is promoted only when it beats the champion on the chosen criterion (a budget metric
of :mod:`clearsight.risk.metrics` at one budget) by at least ``margin`` (challenger − champion ≥
margin; a negative margin prefers the fresher model unless it is worse by more than that). A promoted challenger is then
refitted on every label, the holdout's included (the newest labels are the most informative about
new schemes); ``refit=False`` promotes the holdout-trained model itself, the one that was compared.
Every comparison is appended to ``<models>/retrain-log.jsonl``: when, both models, the holdout, both
models' metrics, the decision and its reason.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.risk.engine import DEFAULT_BUDGETS, _arrays, _labelled, attach_labels, label_table, train
from clearsight.risk.history import point_in_time
from clearsight.risk.metrics import budget_metrics
from clearsight.risk.registry import ModelRegistry

LOG_FILE = "retrain-log.jsonl"
#: Criteria a challenger can be judged on: key in ``budget_metrics`` (AUC has no budget).
METRICS = {
    "precision": "precision_at",
    "revenue": "revenue_at",
    "recall": "recall_at",
    "normalised_revenue": "normalised_revenue_at",
    "auc": "auc",
}
#: Fewest labels newer than the champion before a retrain is worth running.
MIN_NEW_LABELS = 50
#: Fewest labelled holdout items (and frauds among them) for a comparison worth making.
MIN_HOLDOUT_LABELS = 100
MIN_HOLDOUT_FRAUDS = 5


@dataclass
class Comparison:
    """One retraining run: what was compared, on what, and what was decided."""

    when: str
    champion: str | None
    challenger: str
    promoted: str | None
    decision: str  # "promoted", "kept" or "first"
    reason: str
    metric: str
    budget: float
    margin: float
    refit: bool
    holdout: dict[str, Any] = field(default_factory=dict)
    champion_metrics: dict[str, Any] | None = None
    challenger_metrics: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def value(self, which: str) -> float | None:
        """The criterion's value for ``champion`` or ``challenger`` (None when not compared)."""
        m = self.champion_metrics if which == "champion" else self.challenger_metrics
        return criterion(m, self.metric, self.budget) if m else None


def _key(budget: float) -> str:
    return f"{budget * 100:g}"


def criterion(metrics: dict[str, Any], metric: str, budget: float) -> float | None:
    """The value a decision rests on: ``metric`` at ``budget`` (AUC: the AUC)."""
    if metric == "auc":
        return metrics.get("auc")
    return metrics[METRICS[metric]][_key(budget)]


def log_path(registry: ModelRegistry) -> Path:
    return registry.dir / LOG_FILE


def history(registry: ModelRegistry) -> list[Comparison]:
    """Every logged comparison, oldest first (a line that cannot be read is refused by name)."""
    path = log_path(registry)
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(Comparison(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as exc:
            raise UserError(
                f"{path} line {n}: not a retraining record ({exc}); fix or remove the line"
            ) from None
    return out


def _log(registry: ModelRegistry, comparison: Comparison) -> None:
    registry.dir.mkdir(parents=True, exist_ok=True)
    with log_path(registry).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(comparison), default=str) + "\n")


def _parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text).replace(tzinfo=None) if text else None


def _stamp() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"


def retrain(
    warehouse: Warehouse,
    registry: ModelRegistry,
    *,
    holdout_weeks: int = 4,
    metric: str = "precision",
    budget: float = 0.05,
    margin: float = 0.01,
    refit: bool = True,
    name: str | None = None,
    min_new_labels: int = MIN_NEW_LABELS,
) -> Comparison:
    """Train a challenger, compare it with the champion on the holdout, promote it if it is better.

    With no promoted model, train one on every label and promote it (decision ``first``).
    """
    if metric not in METRICS:
        raise UserError(f"--metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if not 0 < budget <= 1:
        raise UserError(f"--budget must be a percentage above 0 and at most 100, got {budget * 100:g}")
    if holdout_weeks < 1:
        raise UserError(f"--holdout-weeks must be at least 1, got {holdout_weeks}")
    name = name or f"retrain-{_stamp()}"
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    champion_name = registry.promoted()
    if champion_name is None:
        first = train(warehouse, registry, name=name, promote=True)
        comparison = Comparison(
            when=now,
            champion=None,
            challenger=name,
            promoted=name,
            decision="first",
            reason="no promoted model to compare with: trained one on every label and promoted it",
            metric=metric,
            budget=budget,
            margin=margin,
            refit=False,
            holdout={},
            params={"objective": first.entry.objective},
        )
        _log(registry, comparison)
        return comparison

    champion_entry, champion = registry.load(champion_name)
    params = champion.get_params()
    objective = params.pop("objective")
    params.pop("n_jobs", None)
    basis = champion_entry.revenue_basis
    lab = label_table(warehouse, basis)
    trained_until = _parse(champion_entry.trained_until)
    newer = (
        lab
        if trained_until is None
        else lab.filter(pc.greater_equal(lab["known_at"], pa.scalar(trained_until, lab["known_at"].type)))
    )
    if newer.num_rows < min_new_labels:
        raise UserError(
            f"only {newer.num_rows:,} labels became known after model {champion_name} was trained "
            f"(until {champion_entry.trained_until}); at least {min_new_labels:,} are needed to retrain — "
            "load more inspection results or lower --min-new-labels"
        )

    window = _holdout(warehouse, lab, holdout_weeks, trained_until)
    start = window.pop("from_dt")
    hist = attach_labels(point_in_time(warehouse, start=start, freeze=start, basis=basis), lab)
    test = _labelled(hist)
    y, c, r = _arrays(test)
    window.update(labels=len(y), frauds=int(y.sum()), items=hist.num_rows)
    if len(y) < MIN_HOLDOUT_LABELS or y.sum() < MIN_HOLDOUT_FRAUDS:
        raise UserError(
            f"the holdout ({window['from']} to {window['to']}) holds {len(y):,} labelled items, {int(y.sum()):,} "
            f"fraudulent; at least {MIN_HOLDOUT_LABELS} and {MIN_HOLDOUT_FRAUDS} are needed to compare models "
            "— use more --holdout-weeks, or wait for more inspection results"
        )

    challenger_name = f"{name}-holdout" if refit else name
    train(warehouse, registry, until=start, objective=objective, name=challenger_name, model_params=params)
    _, challenger = registry.load(challenger_name)
    budgets = sorted({*DEFAULT_BUDGETS, budget})
    champ_m = budget_metrics(y, c, r, champion.score_items(test)["score"], budgets)
    chall_m = budget_metrics(y, c, r, challenger.score_items(test)["score"], budgets)
    a, b = criterion(champ_m, metric, budget), criterion(chall_m, metric, budget)
    what = metric if metric == "auc" else f"{metric} at {budget * 100:g} %"
    if a is None or b is None:
        better, reason = False, f"{what} is undefined on the holdout (a single class): the champion stays"
    else:
        better = b - a >= margin
        verb = "beats" if better else "does not beat"
        reason = f"challenger {what} {b:.4f} {verb} champion {a:.4f} by the margin {margin:g} (difference {b - a:+.4f})"
    promoted = None
    if better:
        if refit:
            train(warehouse, registry, objective=objective, name=name, promote=True, model_params=params)
            promoted = name
            reason += "; refitted on every label, the holdout's included, and promoted"
        else:
            registry.promote(challenger_name)
            promoted = challenger_name
            reason += "; the holdout-trained challenger is promoted"
    comparison = Comparison(
        when=now,
        champion=champion_name,
        challenger=challenger_name,
        promoted=promoted,
        decision="promoted" if better else "kept",
        reason=reason,
        metric=metric,
        budget=budget,
        margin=margin,
        refit=refit,
        holdout=window,
        champion_metrics=champ_m,
        challenger_metrics=chall_m,
        params={"objective": objective, **params},
    )
    _log(registry, comparison)
    return comparison


def _holdout(
    warehouse: Warehouse, lab: pa.Table, weeks: int, champion_until: dt.datetime | None
) -> dict[str, Any]:
    """The holdout window: the last ``weeks`` weeks of lodgements among labelled items, starting no
    earlier than the champion's training end."""
    d = warehouse.table("declarations")
    last = d.aggregate(hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]["hi"]
    if last is None or lab.num_rows == 0:
        raise UserError("the warehouse holds no labelled declarations: load inspection results first")
    last = last.replace(tzinfo=None)
    start = dt.datetime.combine((last - dt.timedelta(weeks=weeks)).date() + dt.timedelta(days=1), dt.time())
    note = f"the last {weeks} week(s) of lodgements"
    if champion_until is not None and champion_until > start:
        if champion_until >= last:
            raise UserError(
                f"the promoted model was trained until {champion_until:%Y-%m-%d %H:%M}, the latest lodgement: "
                "no recent items are left that it has not seen; retrain once new declarations and results arrive"
            )
        start = champion_until
        note = f"lodgements after the promoted model's training end ({champion_until:%Y-%m-%d %H:%M})"
    return {
        "from": f"{start:%Y-%m-%d %H:%M}",
        "to": f"{last:%Y-%m-%d %H:%M}",
        "weeks": weeks,
        "window": note,
        "from_dt": start,
    }
