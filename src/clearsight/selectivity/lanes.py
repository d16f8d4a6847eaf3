"""Lanes for a batch of scored items: rules first, then the random control, then the budget of each
office filled in order of priority (the model's expected value), with a share kept for exploration.

Everything is vectorised over the batch (numpy), so a million items are decided in a few seconds
at most. The order of the steps is the policy:

1. a rule hit sends the item to the rule's lane (mandatory; counts against the office's budget);
2. the random control sends items to red with probability ``random_rate`` (× ``aeo_factor`` for AEO
   traders) — a per-item draw, so small offices and single declarations are covered too;
3. what is left of each office's red budget goes to the model's best-ranked items, except a share
   ``explore_share`` of the red budget that goes to the items ranked first by ``explore_priority``
   among those the model did not take;
4. the yellow, then the blue budget, are filled with the next best-ranked items;
5. everything else is green.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.schema.tables import LANES
from clearsight.selectivity.policy import SelectionPolicy

GREEN, YELLOW, RED, BLUE = (LANES.index(x) for x in ("green", "yellow", "red", "blue"))
#: Why an item is in its lane (``none``: green by default).
SELECTED_BY = ("none", "rule", "random", "explore", "model")
NONE, RULE, RANDOM, EXPLORE, MODEL = range(len(SELECTED_BY))


@dataclass
class LaneDecision:
    """One entry per item, in input order. ``lane`` and ``selected_by`` are small-int codes into
    :data:`LANES` and :data:`SELECTED_BY`; :meth:`to_arrow` gives the text columns."""

    lane: np.ndarray
    selected_by: np.ndarray
    offices: list[str]
    office_code: np.ndarray
    #: the priority the budgets were filled by (AEO-adjusted; NaN as -inf)
    priority: np.ndarray
    capacity: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def random(self) -> np.ndarray:
        return self.selected_by == RANDOM

    @property
    def explore(self) -> np.ndarray:
        return self.selected_by == EXPLORE

    def to_arrow(self) -> pa.Table:
        return pa.table(
            {
                "lane": pa.DictionaryArray.from_arrays(pa.array(self.lane, pa.int8()), pa.array(LANES)).cast(
                    pa.string()
                ),
                "selected_by": pa.DictionaryArray.from_arrays(
                    pa.array(self.selected_by, pa.int8()), pa.array(SELECTED_BY)
                ).cast(pa.string()),
                "random_control": pa.array(self.random),
                "exploration": pa.array(self.explore),
            }
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """Items per office and lane."""
        n_lanes = len(LANES)
        flat = np.bincount(self.office_code * n_lanes + self.lane, minlength=len(self.offices) * n_lanes)
        table = flat.reshape(len(self.offices), n_lanes)
        return {
            office: {lane: int(table[i, j]) for j, lane in enumerate(LANES)}
            for i, office in enumerate(self.offices)
        }

    def over_budget(self) -> dict[str, int]:
        """Offices where mandatory rule hits and random controls alone exceed the red budget: how many
        red items beyond it (an analyst should look at those rules)."""
        red = np.bincount(self.office_code[self.lane == RED], minlength=len(self.offices))
        excess = red - self.capacity.get("red", red)
        return {self.offices[i]: int(e) for i, e in enumerate(excess) if e > 0}


def _office_codes(office) -> tuple[np.ndarray, list[str]]:
    arr = office if isinstance(office, pa.Array | pa.ChunkedArray) else pa.array(office, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr.cast(pa.string()).fill_null(""))
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def top_per_group(group: np.ndarray, key: np.ndarray, eligible: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Mask of the ``k[g]`` eligible items with the highest ``key`` in each group ``g`` (ties: input order)."""
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return np.zeros(group.size, dtype=bool)
    g = group[idx]
    order = np.lexsort((-key[idx], g))  # by group, then key descending; lexsort is stable
    g_sorted = g[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, g_sorted.size]))
    rank = np.arange(g_sorted.size) - first
    chosen = idx[order[rank < k[g_sorted]]]
    mask = np.zeros(group.size, dtype=bool)
    mask[chosen] = True
    return mask


def aeo_adjusted(priority: np.ndarray, aeo: np.ndarray, factor: float) -> np.ndarray:
    """The priority the budgets are filled by: NaN last, AEO traders' priority scaled by ``factor``
    (negative values would rise when scaled, so they are divided instead)."""
    priority = np.nan_to_num(np.asarray(priority, dtype=np.float64), nan=-np.inf)
    aeo = np.asarray(aeo, dtype=bool)
    if factor == 1.0 or not aeo.any():
        return priority
    return np.where(aeo, np.where(priority >= 0, priority * factor, priority / max(factor, 1e-9)), priority)


def decide_lanes(
    office,
    priority: np.ndarray,
    policy: SelectionPolicy,
    *,
    rule_lane: np.ndarray | None = None,
    explore_priority: np.ndarray | None = None,
    aeo: np.ndarray | None = None,
    random_draw: np.ndarray | None = None,
) -> LaneDecision:
    """Decide the lane of every item of a batch.

    ``office``: office of each item (strings); ``priority``: the model's ranking value (higher first,
    typically the expected revenue); ``rule_lane``: the lane code a rule imposes (-1 when none);
    ``explore_priority``: ranking for the exploration share (higher first; required when
    ``policy.explore_share`` > 0); ``aeo``: the trader holds AEO status; ``random_draw``: uniform
    draws in [0, 1) for the random control (default: drawn from ``policy.seed``).
    """
    code, offices = _office_codes(office)
    n = code.size
    aeo_mask = np.zeros(n, dtype=bool) if aeo is None else np.asarray(aeo, dtype=bool)
    priority = aeo_adjusted(priority, aeo_mask, policy.aeo_factor)
    per_office = np.bincount(code, minlength=len(offices))
    capacity = {
        name: np.floor(budget * per_office + 1e-9).astype(np.int64)
        for name, budget in (
            ("red", policy.red_budget),
            ("yellow", policy.yellow_budget),
            ("blue", policy.blue_budget),
        )
    }

    lane = np.full(n, GREEN, dtype=np.int8)
    by = np.full(n, NONE, dtype=np.int8)
    if rule_lane is not None:
        rule_lane = np.asarray(rule_lane, dtype=np.int8)
        hit = rule_lane >= 0
        lane[hit] = rule_lane[hit]
        by[hit] = RULE

    if random_draw is None:
        random_draw = np.random.default_rng(policy.seed).random(n)
    rate = np.where(aeo_mask, policy.random_rate * policy.aeo_factor, policy.random_rate)
    chosen = (np.asarray(random_draw) < rate) & (lane != RED)
    lane[chosen] = RED
    by[chosen] = RANDOM

    def left(lane_code: int, cap: np.ndarray) -> np.ndarray:
        used = np.bincount(code[lane == lane_code], minlength=len(offices))
        return np.clip(cap - used, 0, None)

    red_left = left(RED, capacity["red"])
    explore_n = np.zeros(len(offices), dtype=np.int64)
    if policy.explore_share > 0:
        if explore_priority is None:
            raise ValueError("explore_priority is required when the policy explores")
        explore_n = np.minimum(
            np.floor(policy.explore_share * capacity["red"] + 1e-9).astype(np.int64), red_left
        )
    chosen = top_per_group(code, priority, by == NONE, red_left - explore_n)
    lane[chosen] = RED
    by[chosen] = MODEL
    if explore_n.any():
        key = np.nan_to_num(np.asarray(explore_priority, dtype=np.float64), nan=-np.inf)
        chosen = top_per_group(code, key, by == NONE, explore_n)
        lane[chosen] = RED
        by[chosen] = EXPLORE
    for lane_code, name in ((YELLOW, "yellow"), (BLUE, "blue")):
        chosen = top_per_group(code, priority, by == NONE, left(lane_code, capacity[name]))
        lane[chosen] = lane_code
        by[chosen] = MODEL
    return LaneDecision(
        lane=lane, selected_by=by, offices=offices, office_code=code, priority=priority, capacity=capacity
    )
