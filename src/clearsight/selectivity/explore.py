"""Exploration: which items to inspect to learn, not only to recover revenue today.

A model trained on past inspections only knows the segments that were inspected; a segment the rules
never looked at (a new importer, a new product × origin route) keeps whatever score the model guesses
for it, and without inspections that guess is never corrected. A small share of the red budget spent
on the items whose outcome would teach the most keeps the labels honest (Kim et al., "Active
Learning for Human-in-the-Loop Customs Inspection").

The priority is an upper confidence bound on each item's fraud probability: the model's probability
``p`` plus a bonus that shrinks with the number of past inspections ``n`` of the least inspected of
the item's segments (importer, declarant, HS6 × origin),
``p + c · sqrt(p̃ (1 − p̃) / (n + 1))``, where ``p̃`` is ``p`` held between ``floor`` and ½: a segment
nobody ever inspected gets a bonus even where the model says "almost surely clean", and the bound
never falls as ``p`` rises. ``method="thompson"`` draws
from a Beta distribution with the same mean and ``n + prior`` pseudo-inspections instead (random,
so successive batches explore different items).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: History keys whose inspection counts measure how well the model knows an item's segment.
SEGMENTS = ("importer", "declarant", "hs6_origin")
METHODS = ("ucb", "thompson")


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
    floor: float = 0.05,
    prior: float = 2.0,
) -> np.ndarray:
    """Exploration ranking of each item (higher = explore first), in input order.

    ``history``: the items' history columns (``hist_n_importer``, ``hist_n_declarant``,
    ``hist_n_hs6_origin``; absent columns are skipped); ``fraud_probability``: the model's
    probability per item; ``seed``: the random draw (Thompson sampling, and ties under UCB);
    ``bonus``: weight ``c`` of the uncertainty bonus; ``floor``: least fraud rate assumed when
    sizing the bonus; ``prior``: pseudo-inspections of the Thompson draw.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    p = np.asarray(fraud_probability, dtype=np.float64)
    if p.shape != (history.num_rows,):
        raise ValueError(f"{p.size} fraud probabilities for {history.num_rows} items")
    p = np.clip(np.nan_to_num(p, nan=floor), 0.0, 1.0)
    n = segment_inspections(history)
    rng = np.random.default_rng(seed)
    if method == "thompson":
        strength = n + prior
        mean = np.clip(np.maximum(p, floor), 1e-6, 1 - 1e-6)
        return rng.beta(mean * strength, (1 - mean) * strength)
    wide = np.clip(p, min(floor, 0.5), 0.5)
    ucb = p + bonus * np.sqrt(wide * (1 - wide) / (n + 1))
    # A jitter far below any real difference breaks ties (many items share a segment) at random.
    return ucb + rng.random(p.size) * 1e-9
