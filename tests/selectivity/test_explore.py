"""Exploration priority: unsure items and rarely inspected segments come first."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from clearsight.selectivity.explore import exploration_priority, segment_inspections


def history(importer, declarant=None, hs6_origin=None) -> pa.Table:
    n = len(importer)
    cols = {"hist_n_importer": pa.array(importer, pa.int64())}
    cols["hist_n_declarant"] = pa.array(declarant if declarant is not None else [100] * n, pa.int64())
    cols["hist_n_hs6_origin"] = pa.array(hs6_origin if hs6_origin is not None else [100] * n, pa.int64())
    return pa.table(cols)


def test_rarely_inspected_importer_is_explored_first_at_equal_probability() -> None:
    h = history([0, 3, 30, 300])
    prio = exploration_priority(h, np.full(4, 0.1))
    assert list(np.argsort(-prio)) == [0, 1, 2, 3]


def test_least_inspected_segment_counts_and_missing_keys_are_skipped() -> None:
    h = history([500, 500, None], declarant=[2, None, None], hs6_origin=[400, 40, None])
    assert segment_inspections(h).tolist() == [2.0, 40.0, 0.0]


def test_unseen_segment_outranks_a_slightly_likelier_well_known_item() -> None:
    # The model says 5 % for a never-inspected route and 10 % for a trader inspected 1,000 times.
    h = history([0, 1000], hs6_origin=[0, 1000])
    prio = exploration_priority(h, np.array([0.05, 0.10]))
    assert prio[0] > prio[1]
    # but an item the model is sure is clean stays behind, however new its segment
    assert exploration_priority(h, np.array([0.001, 0.10]))[0] < prio[1]


def test_priority_rises_with_the_probability_at_equal_inspections() -> None:
    p = np.linspace(0.0, 1.0, 21)
    for n in (0, 5, 500):
        prio = exploration_priority(history([n] * 21), p)
        assert np.all(np.diff(prio) > 0)


def test_bonus_vanishes_for_well_known_segments() -> None:
    p = np.array([0.2, 0.2])
    prio = exploration_priority(history([1, 10**8], hs6_origin=[1, 10**8], declarant=[1, 10**8]), p)
    assert prio[1] == pytest.approx(0.2, abs=1e-4)
    assert prio[0] > 0.3


def test_thompson_draws_are_reproducible_and_wider_for_unknown_segments() -> None:
    n = 20_000
    h = history([0] * n + [10_000] * n, declarant=[0] * n + [10_000] * n, hs6_origin=[0] * n + [10_000] * n)
    p = np.full(2 * n, 0.2)
    a = exploration_priority(h, p, seed=3, method="thompson")
    b = exploration_priority(h, p, seed=3, method="thompson")
    c = exploration_priority(h, p, seed=4, method="thompson")
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.median(a[:n]) == pytest.approx(0.2, abs=0.01)
    assert a[:n].std() > 5 * a[n:].std()


def test_nan_probability_is_still_ranked_and_bad_shapes_are_refused() -> None:
    prio = exploration_priority(history([1, 1]), np.array([np.nan, 0.3]))
    assert np.all(np.isfinite(prio))
    with pytest.raises(ValueError, match="3 fraud probabilities for 2 items"):
        exploration_priority(history([1, 1]), np.zeros(3))
    with pytest.raises(ValueError, match="method"):
        exploration_priority(history([1]), np.zeros(1), method="greedy")


def test_value_turns_the_bound_into_one_on_expected_revenue() -> None:
    h = history([5, 5, 5])
    p = np.array([0.1, 0.1, 0.3])
    plain = exploration_priority(h, p)
    worth = exploration_priority(h, p, value=np.array([1_000.0, 10.0, 10.0]))
    assert np.argmax(plain) == 2 and np.argmax(worth) == 0
    assert worth == pytest.approx(plain * [1_000.0, 10.0, 10.0])
    with pytest.raises(ValueError, match="2 values for 3 items"):
        exploration_priority(h, p, value=np.ones(2))
