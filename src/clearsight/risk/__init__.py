"""The risk engine for risk analysts: point-in-time features (only what was known when a declaration was
lodged), calibrated fraud and revenue models trained on the inspected items only, their evaluation at an
inspection budget against baselines, explanations in words, a model registry, retraining on new labels,
drift monitoring, and the scoring entry point (:class:`RiskScorer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.risk.drift import ACT, WATCH, DriftReport, compute_drift, drift_warnings
    from clearsight.risk.engine import (
        Evaluation,
        TrainResult,
        as_percent,
        attach_labels,
        evaluate,
        fit_on_labels,
        known_before,
        label_table,
        labelled_history,
        read_ground_truth,
        train,
    )
    from clearsight.risk.explain_item import explain_declaration
    from clearsight.risk.history import ITEM_FIELDS, KEY, point_in_time, revenue_basis
    from clearsight.risk.model import CRITICAL_WEIGHT, OBJECTIVES, RiskModel, check_labels, lane_priority
    from clearsight.risk.registry import ModelEntry, ModelRegistry
    from clearsight.risk.retrain import MIN_NEW_LABELS
    from clearsight.risk.scorer import REASONS_LIMIT, RiskScorer, score_history
    from clearsight.risk.snapshot import prepare_items

__all__ = [
    "ACT",
    "CRITICAL_WEIGHT",
    "ITEM_FIELDS",
    "KEY",
    "MIN_NEW_LABELS",
    "OBJECTIVES",
    "REASONS_LIMIT",
    "WATCH",
    "DriftReport",
    "Evaluation",
    "ModelEntry",
    "ModelRegistry",
    "RiskModel",
    "RiskScorer",
    "TrainResult",
    "as_percent",
    "attach_labels",
    "check_labels",
    "compute_drift",
    "drift_warnings",
    "evaluate",
    "explain_declaration",
    "fit_on_labels",
    "known_before",
    "label_table",
    "labelled_history",
    "lane_priority",
    "point_in_time",
    "prepare_items",
    "read_ground_truth",
    "revenue_basis",
    "score_history",
    "train",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ACT": "drift",
        "WATCH": "drift",
        "DriftReport": "drift",
        "compute_drift": "drift",
        "drift_warnings": "drift",
        "Evaluation": "engine",
        "TrainResult": "engine",
        "as_percent": "engine",
        "attach_labels": "engine",
        "evaluate": "engine",
        "fit_on_labels": "engine",
        "known_before": "engine",
        "label_table": "engine",
        "labelled_history": "engine",
        "read_ground_truth": "engine",
        "train": "engine",
        "explain_declaration": "explain_item",
        "ITEM_FIELDS": "history",
        "KEY": "history",
        "point_in_time": "history",
        "revenue_basis": "history",
        "CRITICAL_WEIGHT": "model",
        "lane_priority": "model",
        "OBJECTIVES": "model",
        "RiskModel": "model",
        "check_labels": "model",
        "ModelEntry": "registry",
        "ModelRegistry": "registry",
        "MIN_NEW_LABELS": "retrain",
        "REASONS_LIMIT": "scorer",
        "RiskScorer": "scorer",
        "score_history": "scorer",
        "prepare_items": "snapshot",
    },
)
