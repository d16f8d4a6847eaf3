"""Metric names in words: the one mapping the portal's model page and the evaluation report read, so
an analyst never meets ``normalised_revenue_at`` on a screen. Kept free of heavy imports (the portal
reads it without loading the model)."""

from __future__ import annotations

#: Metric key (as ``risk.metrics.budget_metrics`` and the registry store it) -> what a reader sees.
#: Metrics "at" a budget are given per share of items inspected.
METRIC_NAMES: dict[str, str] = {
    "auc": "ranking quality (ROC AUC)",
    "precision_at": "precision (hit rate) at budget",
    "recall_at": "offences found (recall) at budget",
    "revenue_at": "share of revenue found at budget",
    "critical_recall_at": "prohibited goods found at budget",
    "normalised_revenue_at": "normalised revenue found at budget",
    "validated_on": "validated on",
}


def metric_name(key: str) -> str:
    """A metric's name in words; a key the mapping does not know yet is shown without underscores."""
    return METRIC_NAMES.get(key, key.replace("_", " "))
