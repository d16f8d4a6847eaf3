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

Steps 1, 2 and 5 and the lane codes are one function, :func:`precedence`, shared with the real-time
decider (:mod:`clearsight.selectivity.realtime`), which replaces steps 3 and 4 with per-office
thresholds (:func:`threshold_lanes`, the lowest priority the last batch admitted to each lane:
:meth:`LaneDecision.thresholds`); :func:`decide_by_thresholds` is the whole real-time decision. The
batch keeps its exact top-k per office for steps 3 and 4: a threshold would admit every item tied
with the last one admitted, more than the budget.
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

    def thresholds(self) -> tuple[dict[str, dict[str, float | None]], dict[str, float | None]]:
        """What the budgets meant as thresholds, for :func:`decide_by_thresholds`: per office, the
        lowest priority the model admitted to each budget lane; and the batch-wide thresholds (for
        offices the batch did not hold).

        An office whose share of a lane was too small to admit a single item follows the batch-wide
        threshold; one whose budget went entirely to rules and random controls gets None (the model
        admits nobody there).
        """
        admitted = self.selected_by == MODEL
        n = len(self.priority)
        overall = quantile_thresholds(
            self.priority,
            {lane: float(((self.lane == LANES.index(lane)) & admitted).sum()) / n for lane in BUDGET_LANES},
        )
        per_office: dict[str, dict[str, float | None]] = {office: {} for office in self.offices}
        for lane in BUDGET_LANES:
            mask = admitted & (self.lane == LANES.index(lane))
            lowest = np.full(len(self.offices), np.inf)
            np.minimum.at(lowest, self.office_code[mask], self.priority[mask])
            capacity = self.capacity[lane]
            for i, office in enumerate(self.offices):
                if capacity[i] == 0:
                    per_office[office][lane] = overall[lane]
                else:
                    per_office[office][lane] = float(lowest[i]) if np.isfinite(lowest[i]) else None
        return per_office, overall


def quantile_thresholds(priority: np.ndarray, shares: dict[str, float]) -> dict[str, float | None]:
    """Per budget lane, the priority above which the lane's share of items lies (lanes filled
    strictest first, so yellow starts where red ends); None where the share is zero."""
    finite = np.sort(priority[np.isfinite(priority)])
    out: dict[str, float | None] = {}
    above = 0.0
    for lane in BUDGET_LANES:
        share = shares.get(lane, 0.0)
        if share <= 0 or finite.size == 0:
            out[lane] = None
            continue
        above += share
        k = min(finite.size - 1, max(0, int(np.ceil(finite.size * (1 - above)))))
        out[lane] = float(finite[k])
    return out


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

    if random_draw is None:
        random_draw = np.random.default_rng(policy.seed).random(n)
    lane, by = precedence(policy, random_draw, aeo_mask, rule_lane)

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


def precedence(
    policy: SelectionPolicy, random_draw: np.ndarray, aeo: np.ndarray, rule_lane: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Lane and ``selected_by`` codes before the model has its say, for a batch or one declaration:
    a rule hit sends the item to its rule's lane (``rule_lane``: lane code, -1 when none); then the
    random control sends to red the items whose draw is below ``random_rate`` (× ``aeo_factor`` for
    AEO traders) and that no rule sent to red. The others are green, ``selected_by`` none: left to
    the model (budgets in a batch, thresholds in real time)."""
    n = len(random_draw)
    lane = np.full(n, GREEN, dtype=np.int8)
    by = np.full(n, NONE, dtype=np.int8)
    if rule_lane is not None:
        rule_lane = np.asarray(rule_lane, dtype=np.int8)
        hit = rule_lane >= 0
        lane[hit] = rule_lane[hit]
        by[hit] = RULE
    rate = np.where(aeo, policy.random_rate * policy.aeo_factor, policy.random_rate)
    chosen = (np.asarray(random_draw) < rate) & (lane != RED)
    lane[chosen] = RED
    by[chosen] = RANDOM
    return lane, by


#: The lanes a budget fills, strictest first: the order thresholds are tried in.
BUDGET_LANES = ("red", "yellow", "blue")
_BUDGET_CODES = np.array([LANES.index(x) for x in BUDGET_LANES], dtype=np.int8)


def threshold_lanes(priority: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per item, the code of the strictest budget lane whose threshold its priority reaches, -1 when
    none. ``thresholds``: one row per item, one column per :data:`BUDGET_LANES` (NaN: the model admits
    nobody to that lane)."""
    reach = np.asarray(priority, dtype=np.float64)[:, None] >= thresholds  # NaN compares False
    return np.where(reach.any(axis=1), _BUDGET_CODES[reach.argmax(axis=1)], -1).astype(np.int8)


def decide_by_thresholds(
    policy: SelectionPolicy,
    priority: np.ndarray,
    thresholds: np.ndarray,
    random_draw: np.ndarray,
    aeo: np.ndarray,
    rule_lane: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lane and ``selected_by`` codes by :func:`precedence`, then the model by thresholds (items
    left green reaching a lane's threshold go there, ``selected_by`` model). ``priority`` is the
    AEO-adjusted one (:func:`aeo_adjusted`); exploration, which ranks items against each other, is
    a batch decision only."""
    lane, by = precedence(policy, random_draw, aeo, rule_lane)
    model = np.where(by == NONE, threshold_lanes(priority, thresholds), -1)
    chosen = model >= 0
    lane[chosen] = model[chosen]
    by[chosen] = MODEL
    return lane, by
