"""Budget metrics, checked against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from clearsight.risk.metrics import (
    auc,
    budget_metrics,
    normalised_revenue_at_budget,
    precision_at_budget,
    recall_at_budget,
    revenue_share_at_budget,
    selected,
)

# ten items, scores descending from the first; frauds at positions 0, 2 and 9
Y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
S = np.linspace(1.0, 0.1, 10)
R = np.array([100.0, 0, 50, 0, 0, 0, 0, 0, 0, 850])


def test_budget_selects_the_ceiling_of_its_share():
    assert list(selected(S, 0.2)) == [0, 1]
    assert list(selected(S, 0.25)) == [0, 1, 2]  # ceil(2.5)
    assert len(selected(S, 0.01)) == 1  # a budget never selects nothing


def test_precision_recall_revenue():
    assert precision_at_budget(Y, S, 0.3) == pytest.approx(2 / 3)
    assert recall_at_budget(Y, S, 0.3) == pytest.approx(2 / 3)
    assert revenue_share_at_budget(R, S, 0.3) == pytest.approx(150 / 1000)
    # the oracle would take the 850 item with one inspection: 100 / 850 at a 10 % budget
    assert normalised_revenue_at_budget(R, S, 0.1) == pytest.approx(100 / 850)


def test_auc_and_degenerate_inputs():
    assert auc(Y, S) == pytest.approx(13 / 21)  # the frauds outrank 7, 6 and 0 of the 7 compliant items
    assert auc(np.zeros(5), np.arange(5)) is None  # one class: undefined, not a crash
    assert recall_at_budget(np.zeros(5), np.arange(5), 0.5) == 0.0
    assert revenue_share_at_budget(np.zeros(5), np.arange(5), 0.5) == 0.0
    with pytest.raises(ValueError):
        selected(S, 0)


def test_missing_scores_rank_last():
    scores = np.array([np.nan, 0.2, 0.9])
    assert list(selected(scores, 0.5)) == [2, 1]


def test_budget_metrics_keys_are_percent_text():
    m = budget_metrics(Y, np.zeros(10, dtype=int), R, S, [0.01, 0.025, 0.1])
    assert list(m["precision_at"]) == ["1", "2.5", "10"]
    assert set(m) == {
        "auc",
        "precision_at",
        "recall_at",
        "revenue_at",
        "critical_recall_at",
        "normalised_revenue_at",
    }
