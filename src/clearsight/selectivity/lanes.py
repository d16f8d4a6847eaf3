"""Lanes for a batch of scored items, and the one precedence real time shares with it.

**The policy: the strictest lane wins.** Three sources propose a lane for each item: the rules (the
strictest lane among the rules the item hits), the random control (red) and the model (a budget
lane, by its priority: the AEO-adjusted score). The item takes the strictest proposal, in the order
red > yellow > blue > green (:data:`STRICTNESS`). A rule can raise an item's lane, never lower what
the model or another rule set: a green rule records its hit and keeps nothing green.

``selected_by`` names the source of the final lane; where several sources propose that same lane,
the first of :data:`TIE_ORDER` is named: the random control, then a rule, then exploration, then the
model (``none``: green, proposed by nobody). The random control comes first so that its sample is a
sample of every item, those a rule sends to red included — otherwise its fraud rate would not be
the unbiased measure it is kept for. ``rules_hit`` (beside, in ``selections``) lists every rule the
item hit, also those a stricter source outranked.

**A batch** (:func:`decide_lanes`), office by office, with capacity ``floor(budget × items of the
office)`` for red, yellow and blue:

1. the rules and the random control propose their lanes (:func:`precedence`). They are mandatory:
   they never wait for a budget, and they count against it;
2. an item counts against the budget of its final lane, once. Lanes are filled strictest first,
   and the model's share of a lane is its capacity less the items in that lane when it is filled;
3. red: ``left = capacity − items red already`` (red rules and random controls). Of it, the
   exploration share ``min(floor(explore_share × capacity), left)`` is set aside; the model takes
   the rest: the items with the highest priority among those not red yet — no rule, or a rule's
   yellow, blue or green, which the model raises. Exploration then takes its share by
   ``explore_priority`` among those still not red. An item raised out of a rule's yellow frees the
   yellow place it held;
4. yellow: ``capacity − items yellow now`` (the rule yellows not raised) goes to the best-ranked
   items still in green or blue (no rule, or a blue or green rule);
5. blue: the same among the items still green;
6. every other item keeps its proposal: its rule's lane, or green.

So an office's red never exceeds its budget unless rules and random controls alone exceed it (the
office is **over budget**, :meth:`LaneDecision.over_budget`; the model adds no red there), and
likewise for yellow and blue. The batch takes the exact top-k per office: a threshold would admit
every item tied with the last one admitted, more than the budget.

**Real time** (:func:`decide_by_thresholds`) makes the same proposals for one declaration: the
rules, the random control with the same per-item draw, and the model's lane, the strictest whose
office threshold the item's priority reaches (:func:`threshold_lanes`; the thresholds are the lowest
priority the last batch's model admitted to each lane: :meth:`LaneDecision.thresholds`). The item
takes the strictest, named by the same tie order. Under a batch's own thresholds this is the batch's
decision for each of its items (but explored ones, and ties at a threshold): the batch's model
admits to a lane exactly the eligible items at or above the lowest priority it admitted, and since
lanes are filled strictest first, each lane's threshold lies below the stricter lane's. Exploration
ranks items against each other: a batch decision only.

Everything is vectorised over the batch (numpy): a million items are decided in a few seconds at
most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.schema.tables import LANES
from clearsight.selectivity.policy import SelectionPolicy

GREEN, YELLOW, RED, BLUE = (LANES.index(x) for x in ("green", "yellow", "red", "blue"))
#: The lanes from the least strict to the strictest: a proposal raises an item's lane, never lowers it.
STRICTNESS = ("green", "blue", "yellow", "red")
#: The strictness rank of each lane code (index into :data:`LANES`).
RANK = np.array([STRICTNESS.index(lane) for lane in LANES], dtype=np.int8)
#: Who selected an item's lane (``none``: green, proposed by nobody).
SELECTED_BY = ("none", "rule", "random", "explore", "model")
NONE, RULE, RANDOM, EXPLORE, MODEL = range(len(SELECTED_BY))
#: The source named when several propose an item's final lane: the first of these.
TIE_ORDER = ("random", "rule", "explore", "model")


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


def lane_capacity(budget: float, items: np.ndarray) -> np.ndarray:
    """The items a budget admits at offices of ``items`` items each: the share, rounded down (an
    office of 30 items with a 5 % budget inspects one)."""
    return np.floor(budget * np.asarray(items) + 1e-9).astype(np.int64)


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
    typically the expected revenue); ``rule_lane``: the strictest lane code of the rules an item
    hits (-1 when none), a lane the model may raise, never lower;
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
        name: lane_capacity(budget, per_office)
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
        """The model's share of a lane: its capacity less the items in that lane now."""
        used = np.bincount(code[lane == lane_code], minlength=len(offices))
        return np.clip(cap - used, 0, None)

    def raise_to(lane_code: int, key: np.ndarray, k: np.ndarray, source: int) -> None:
        """The ``k`` best items by ``key`` per office among those in a less strict lane, raised."""
        chosen = top_per_group(code, key, RANK[lane] < RANK[lane_code], k)
        lane[chosen] = lane_code
        by[chosen] = source

    red_left = left(RED, capacity["red"])
    explore_n = np.zeros(len(offices), dtype=np.int64)
    if policy.explore_share > 0:
        if explore_priority is None:
            raise ValueError("explore_priority is required when the policy explores")
        explore_n = np.minimum(
            np.floor(policy.explore_share * capacity["red"] + 1e-9).astype(np.int64), red_left
        )
    raise_to(RED, priority, red_left - explore_n, MODEL)
    if explore_n.any():
        key = np.nan_to_num(np.asarray(explore_priority, dtype=np.float64), nan=-np.inf)
        raise_to(RED, key, explore_n, EXPLORE)
    for lane_code, name in ((YELLOW, "yellow"), (BLUE, "blue")):
        raise_to(lane_code, priority, left(lane_code, capacity[name]), MODEL)
    return LaneDecision(
        lane=lane, selected_by=by, offices=offices, office_code=code, priority=priority, capacity=capacity
    )


def precedence(
    policy: SelectionPolicy, random_draw: np.ndarray, aeo: np.ndarray, rule_lane: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Lane and ``selected_by`` codes of the proposals made before the model's, for a batch or one
    declaration: a rule hit proposes its rule's lane (``rule_lane``: the strictest lane of the rules
    hit, as a lane code; -1 when none), and the random control sends to red the items whose draw is
    below ``random_rate`` (× ``aeo_factor`` for AEO traders), whatever a rule said — named the
    random control even where a red rule agreed (:data:`TIE_ORDER`). The other items are green,
    ``selected_by`` none; the model may raise any item not red yet (budgets in a batch, thresholds
    in real time)."""
    n = len(random_draw)
    lane = np.full(n, GREEN, dtype=np.int8)
    by = np.full(n, NONE, dtype=np.int8)
    if rule_lane is not None:
        rule_lane = np.asarray(rule_lane, dtype=np.int8)
        hit = rule_lane >= 0
        lane[hit] = rule_lane[hit]
        by[hit] = RULE
    rate = np.where(aeo, policy.random_rate * policy.aeo_factor, policy.random_rate)
    chosen = np.asarray(random_draw) < rate
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
    """Lane and ``selected_by`` codes in real time: the proposals of :func:`precedence`, then the
    model's (:func:`threshold_lanes`) wherever it is stricter — a tie stays with the rule or the
    random control. ``priority`` is the AEO-adjusted one (:func:`aeo_adjusted`); exploration, which
    ranks items against each other, is a batch decision only."""
    lane, by = precedence(policy, random_draw, aeo, rule_lane)
    model = threshold_lanes(priority, thresholds)
    stricter = (model >= 0) & (RANK[np.maximum(model, 0)] > RANK[lane])
    lane[stricter] = model[stricter]
    by[stricter] = MODEL
    return lane, by
