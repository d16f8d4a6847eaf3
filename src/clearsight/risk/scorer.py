"""Scoring: fraud probability, expected revenue, rank and reasons for goods items.

:class:`RiskScorer` is the one entry point other rooms call (selectivity, the portal's real-time
``POST /api/v1/score``): ``RiskScorer.load(settings).score(declarations)`` takes canonical declaration
columns (a PyArrow table, one row or a million) and returns one row per item. Loading reads the model
and aggregates the warehouse history once (a :class:`Snapshot`); each call then costs look-ups and
a LightGBM prediction only.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from clearsight.core.settings import Settings
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace
from clearsight.risk.explain import reasons
from clearsight.risk.model import RiskModel, lane_priority
from clearsight.risk.registry import ModelEntry, ModelRegistry
from clearsight.risk.snapshot import Snapshot, prepare_items

OUTPUT_SCHEMA = pa.schema(
    [
        ("declaration_id", pa.string()),
        ("item_no", pa.int64()),
        ("lodged_at", pa.timestamp("us")),
        ("fraud_probability", pa.float64()),
        ("expected_revenue", pa.float64()),
        ("score", pa.float64()),
        ("rank", pa.int64()),
        ("reasons", pa.list_(pa.string())),
    ]
)


#: Reasons cost far more than scores: by default only this many best-ranked items get them.
REASONS_LIMIT = 100_000


def score_history(
    model: RiskModel, history: pa.Table, explain_top: int | None = None, critical_weight: float = 0.0
) -> pa.Table:
    """Score items given their history columns; reasons for the ``explain_top`` best ranked (default:
    every item up to ``REASONS_LIMIT``; items without reasons have NULL). ``critical_weight`` (λ, the
    selection policy's) makes ``score`` the lanes' priority, :func:`~clearsight.risk.model.lane_priority`."""
    if explain_top is None:
        explain_top = REASONS_LIMIT
    out = model.score_items(history)
    if critical_weight:
        out["score"] = lane_priority(out["score"], out["critical_value"], critical_weight)
    n = history.num_rows
    order = np.argsort(-out["score"], kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    chosen = order[: max(0, explain_top)]
    said: list[list[str] | None] = [None] * n
    if len(chosen) == n:  # every item explained (a declaration, any batch up to the limit): no copies
        chosen = np.arange(n)
        M, sub, cols = out["matrix"], history, out["columns"]
    elif len(chosen):
        M = out["matrix"][chosen]
        sub = history.take(pa.array(chosen))
        cols = {name: values[chosen] for name, values in out["columns"].items()}
    if len(chosen):
        texts = reasons(sub, cols, model.contributions(M), model.builder_.feature_names_)
        for i, t in zip(chosen, texts, strict=True):
            said[i] = t
    return pa.table(
        {
            "declaration_id": history["declaration_id"],
            "item_no": history["item_no"],
            "lodged_at": history["lodged_at"].cast(pa.timestamp("us")),
            "fraud_probability": out["fraud_probability"],
            "expected_revenue": out["expected_revenue"],
            "score": out["score"],
            "rank": rank,
            "reasons": pa.array(said, pa.list_(pa.string())),
        },
        schema=OUTPUT_SCHEMA,
    )


class RiskScorer:
    """A loaded model plus the history snapshot it scores new declarations against."""

    def __init__(self, entry: ModelEntry, model: RiskModel, snapshot: Snapshot) -> None:
        self.entry = entry
        self.model = model
        self.snapshot = snapshot
        self.notes: list[str] = []

    @classmethod
    def load(
        cls,
        settings: Settings,
        name: str | None = None,
        warehouse: Warehouse | None = None,
        as_of: dt.datetime | None = None,
    ) -> RiskScorer:
        """The promoted model (or ``name``) with the warehouse's history (as of ``as_of``: default all)."""
        entry, model = ModelRegistry(Workspace(settings).models_dir).load(name)
        own = warehouse is None
        wh = Workspace(settings).open_warehouse() if own else warehouse
        try:
            snapshot = Snapshot(wh, as_of=as_of, basis=entry.revenue_basis)
        finally:
            if own:
                wh.close()
        return cls(entry, model, snapshot)

    def score(
        self, declarations: pa.Table, explain_top: int | None = None, critical_weight: float = 0.0
    ) -> pa.Table:
        """One row per item: fraud_probability, expected_revenue, score, rank (1 = riskiest), reasons;
        with ``critical_weight`` (λ), ``score`` is the lanes' priority (fraud + λ × P(critical) × unit)."""
        items, self.notes = prepare_items(declarations)
        return score_history(self.model, self.snapshot.history(items), explain_top, critical_weight)
