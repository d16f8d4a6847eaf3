"""Exploration: which items to inspect to learn, not only to recover revenue today.

A model trained on past inspections only knows the segments that were inspected; a segment the rules
never looked at (a new importer, a new product × origin route) keeps whatever score the model guesses
for it, and without inspections that guess is never corrected. A small share of the red budget spent
on the items whose outcome would teach the most keeps the labels honest (Kim et al., "Active
Learning for Human-in-the-Loop Customs Inspection").

The priority is an upper confidence bound on each item's fraud probability, taken on the log-odds
scale where a model's error is roughly symmetric: the model's log-odds plus a bonus that shrinks with
the number of past inspections ``n`` of the least inspected of the item's segments (importer,
declarant, HS6 × origin), ``sigmoid(logit(p) + c / sqrt(n + 1))``. A segment nobody ever inspected
could be ``e^c`` times riskier than the model thinks; one inspected a hundred times, about 10 % for
c = 1. The bound is optimistic in proportion to the model's own estimate, so items the model is
sure are clean stay at the back, and it never falls as ``p`` rises. With ``value`` (what finding a
fraud would recover), the bound is on the expected revenue: the items explored first are those just
below the model's cut whose segments are least known — cheap to inspect, most to learn.
``method="thompson"`` draws the log-odds bonus from a normal distribution of the same width instead
(random, so successive batches explore different items).

The simulator measured alternatives on five worlds (docs/selectivity.md, "The simulator"): a cap of
one item per segment a week, weighting by a segment's volume against its inspections, other bonuses
and Thompson draws all recovered less revenue than this bound on the expected revenue with c = 1.
A cap spreads the share thin where a fraud is found only 35-90 % of the time: one "compliant" probe
of a new importer teaches the model it is clean.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: History keys whose inspection counts measure how well the model knows an item's segment.
SEGMENTS = ("importer", "declarant", "hs6_origin")
METHODS = ("ucb", "thompson")
#: Probabilities are held this far from 0 and 1 (their log-odds must be finite).
EPS = 1e-9


def segment_inspections(history: pa.Table) -> np.ndarray:
    """Past inspections of each item's least inspected segment (0 where every key is missing).

    A NULL count means the key itself is missing (no declarant recorded): that segment says nothing
    and is left out of the minimum.
    """
    n = np.full(history.num_rows, np.inf)
    for name in SEGMENTS:
        column = f"hist_n_{name}"
        if column not in history.column_names:
            continue
        counts = pc.cast(history[column], pa.float64()).to_numpy(zero_copy_only=False)
        counts = np.asarray(counts, dtype=np.float64)
        n = np.fmin(n, counts)  # fmin ignores NaN (a missing key)
    return np.where(np.isfinite(n), n, 0.0)


def exploration_priority(
    history: pa.Table,
    fraud_probability: np.ndarray,
    *,
    seed: int = 0,
    method: str = "ucb",
    bonus: float = 1.0,
    value: np.ndarray | None = None,
) -> np.ndarray:
    """Exploration ranking of each item (higher = explore first), in input order.

    ``history``: the items' history columns (``hist_n_importer``, ``hist_n_declarant``,
    ``hist_n_hs6_origin``; absent columns are skipped); ``fraud_probability``: the model's
    probability per item; ``seed``: the random draw (Thompson sampling, and ties under UCB);
    ``bonus``: ``c``, the log-odds a never-inspected segment may be off by; ``value``: what finding
    a fraud in each item would recover (e.g. the model's revenue if fraud), turning the bound into
    one on the expected revenue.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    p = np.asarray(fraud_probability, dtype=np.float64)
    if p.shape != (history.num_rows,):
        raise ValueError(f"{p.size} fraud probabilities for {history.num_rows} items")
    p = np.clip(np.nan_to_num(p, nan=0.5), EPS, 1 - EPS)
    width = bonus / np.sqrt(segment_inspections(history) + 1)
    rng = np.random.default_rng(seed)
    if method == "thompson":
        width = width * rng.standard_normal(p.size)
    else:
        # A jitter far below any real difference breaks ties (many items share a segment) at random.
        width = width + rng.random(p.size) * 1e-9
    bound = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + width)))
    if value is None:
        return bound
    worth = np.nan_to_num(np.asarray(value, dtype=np.float64), nan=0.0).clip(min=0.0)
    if worth.shape != p.shape:
        raise ValueError(f"{worth.size} values for {p.size} items")
    return bound * worth
