"""Targeting metrics at an inspection budget: pure functions of arrays, like ``sklearn.metrics``.

A *budget* is the share of items an administration can inspect (0.05 = 5 %). The selected items are
the ``ceil(budget × n)`` highest scores; ties are broken by position, so results are reproducible.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import roc_auc_score


def selected(scores: np.ndarray, budget: float) -> np.ndarray:
    """Indices of the items a budget selects (highest scores first)."""
    scores = np.asarray(scores, dtype=np.float64)
    if not 0 < budget <= 1:
        raise ValueError(f"budget must be in (0, 1], got {budget}")
    k = min(len(scores), math.ceil(budget * len(scores)))
    order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
    return order[:k]


def precision_at_budget(y_true: np.ndarray, scores: np.ndarray, budget: float) -> float:
    """Share of selected items that are fraudulent (the hit rate)."""
    idx = selected(scores, budget)
    return float(np.mean(np.asarray(y_true)[idx])) if len(idx) else 0.0


def recall_at_budget(y_true: np.ndarray, scores: np.ndarray, budget: float) -> float:
    """Share of all fraudulent items that the budget selects (0 when there are none)."""
    y = np.asarray(y_true)
    total = y.sum()
    return float(y[selected(scores, budget)].sum() / total) if total else 0.0


def revenue_share_at_budget(revenue: np.ndarray, scores: np.ndarray, budget: float) -> float:
    """Share of all recoverable revenue held by the selected items."""
    r = np.nan_to_num(np.asarray(revenue, dtype=np.float64))
    total = r.sum()
    return float(r[selected(scores, budget)].sum() / total) if total > 0 else 0.0


def normalised_revenue_at_budget(revenue: np.ndarray, scores: np.ndarray, budget: float) -> float:
    """Revenue the selection holds divided by what a perfect oracle would hold with the same budget."""
    r = np.nan_to_num(np.asarray(revenue, dtype=np.float64))
    best = r[selected(r, budget)].sum()
    return float(r[selected(scores, budget)].sum() / best) if best > 0 else 0.0


def auc(y_true: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present (undefined)."""
    y = np.asarray(y_true)
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-1e300)))


def budget_metrics(
    y_fraud: np.ndarray,
    y_critical: np.ndarray,
    revenue: np.ndarray,
    scores: np.ndarray,
    budgets: list[float],
) -> dict:
    """All metrics of one method, keyed by budget in percent (``"1"``, ``"2.5"``...)."""

    def key(b: float) -> str:
        return f"{b * 100:g}"

    return {
        "auc": auc(y_fraud, scores),
        "precision_at": {key(b): precision_at_budget(y_fraud, scores, b) for b in budgets},
        "recall_at": {key(b): recall_at_budget(y_fraud, scores, b) for b in budgets},
        "revenue_at": {key(b): revenue_share_at_budget(revenue, scores, b) for b in budgets},
        "critical_recall_at": {key(b): recall_at_budget(y_critical, scores, b) for b in budgets},
        "normalised_revenue_at": {key(b): normalised_revenue_at_budget(revenue, scores, b) for b in budgets},
    }
