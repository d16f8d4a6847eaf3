"""The precedence, for any rule lanes, draws, priorities and budgets: the strictest lane wins, the
source named is the one the tie order names, and a batch and real time under the batch's thresholds
decide alike."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clearsight.selectivity.lanes import (
    BUDGET_LANES,
    EXPLORE,
    MODEL,
    NONE,
    RANDOM,
    RANK,
    RED,
    RULE,
    aeo_adjusted,
    decide_by_thresholds,
    decide_lanes,
    threshold_lanes,
)
from clearsight.selectivity.policy import SelectionPolicy

LANE_CODES = (-1, 0, 1, 2, 3)  # no rule, green, yellow, red, blue


@st.composite
def batches(draw, explore: bool = False):
    """A batch: offices, distinct priorities (odd integers, so that AEO scaling by 1, ½ or ¼ makes
    no tie either: exact top-k and a threshold then admit the same items), rule lanes, AEO flags,
    random draws and a policy."""
    n = draw(st.integers(1, 160))
    office = np.array(draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n)))
    values = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    priority = np.array(values, dtype=np.float64) * 2 + 1
    rule_lane = np.array(draw(st.lists(st.sampled_from(LANE_CODES), min_size=n, max_size=n)), dtype=np.int8)
    aeo = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    random_draw = np.array(draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=n, max_size=n)))
    red = draw(st.floats(0, 0.4))
    yellow = draw(st.floats(0, 0.4))
    blue = draw(st.floats(0, 0.2))
    policy = SelectionPolicy(
        red_budget=red,
        yellow_budget=yellow,
        blue_budget=blue,
        random_rate=draw(st.floats(0, 1)) * red,
        aeo_factor=draw(st.sampled_from([1.0, 0.5, 0.25])),
        explore_share=draw(st.floats(0, 0.5)) if explore else 0.0,
    )
    explore_priority = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))) if explore else None
    return office, priority, rule_lane, aeo, random_draw, policy, explore_priority


def random_controls(policy: SelectionPolicy, random_draw: np.ndarray, aeo: np.ndarray) -> np.ndarray:
    return random_draw < np.where(aeo, policy.random_rate * policy.aeo_factor, policy.random_rate)


def assert_strictest_wins(lane, by, rule_lane, model_lane, drawn) -> None:
    """The final lane is never less strict than the rule's, the model's or (red) the random
    control's, and ``selected_by`` names the first source of the tie order proposing it."""
    hit = rule_lane >= 0
    assert (RANK[lane][hit] >= RANK[rule_lane[hit]]).all()
    reached = model_lane >= 0
    assert (RANK[lane][reached] >= RANK[model_lane[reached]]).all()
    assert (lane[drawn] == RED).all() and ((by == RANDOM) == drawn).all()
    ruled = by == RULE
    assert (lane[ruled] == rule_lane[ruled]).all()
    modelled = by == MODEL
    assert (lane[modelled] == model_lane[modelled]).all()
    # the model is named only where it is stricter than every other proposal
    assert (~hit[modelled] | (RANK[lane][modelled] > RANK[np.maximum(rule_lane, 0)][modelled])).all()
    assert (lane[by == NONE] == 0).all() and not (hit | reached | drawn)[by == NONE].any()


@settings(deadline=None, max_examples=150)
@given(batches(), st.data())
def test_real_time_the_strictest_proposal_wins(batch, data):
    _, priority, rule_lane, aeo, random_draw, policy, _ = batch
    n = len(priority)
    # any thresholds, in any order, some lanes closed (NaN)
    limits = np.array(
        data.draw(st.lists(st.one_of(st.none(), st.floats(0, 2e6)), min_size=3 * n, max_size=3 * n)),
        dtype=np.float64,
    ).reshape(n, 3)
    adjusted = aeo_adjusted(priority, aeo, policy.aeo_factor)
    lane, by = decide_by_thresholds(policy, adjusted, limits, random_draw, aeo, rule_lane)
    model_lane = threshold_lanes(adjusted, limits)
    assert_strictest_wins(lane, by, rule_lane, model_lane, random_controls(policy, random_draw, aeo))


@settings(deadline=None, max_examples=150)
@given(batches())
def test_a_batch_is_real_time_under_its_own_thresholds(batch):
    office, priority, rule_lane, aeo, random_draw, policy, _ = batch
    d = decide_lanes(office, priority, policy, rule_lane=rule_lane, aeo=aeo, random_draw=random_draw)
    per_office, _ = d.thresholds()
    limits = np.array(
        [[np.nan if per_office[o][x] is None else per_office[o][x] for x in BUDGET_LANES] for o in office]
    ).reshape(len(office), 3)
    model_lane = threshold_lanes(d.priority, limits)
    # Offices too small for a budget to admit one item follow the batch-wide thresholds: not compared.
    budgets = {"red": policy.red_budget, "yellow": policy.yellow_budget, "blue": policy.blue_budget}
    full = np.array(
        [all(d.capacity[x][i] >= 1 or budgets[x] == 0 for x in BUDGET_LANES) for i in range(len(d.offices))]
    )[d.office_code]
    drawn = random_controls(policy, random_draw, aeo)
    assert_strictest_wins(d.lane[full], d.selected_by[full], rule_lane[full], model_lane[full], drawn[full])
    lane, by = decide_by_thresholds(policy, d.priority, limits, random_draw, aeo, rule_lane)
    assert (lane[full] == d.lane[full]).all() and (by[full] == d.selected_by[full]).all()


@settings(deadline=None, max_examples=150)
@given(batches(explore=True))
def test_a_batch_keeps_every_proposal_and_its_budgets(batch):
    """With exploration too: rules and random controls are kept whatever the budget, and the model
    and exploration never take more than what they leave of an office's budget."""
    office, priority, rule_lane, aeo, random_draw, policy, explore = batch
    d = decide_lanes(
        office, priority, policy, rule_lane=rule_lane, aeo=aeo, random_draw=random_draw, explore_priority=explore
    )
    hit = rule_lane >= 0
    assert (RANK[d.lane][hit] >= RANK[rule_lane[hit]]).all()
    drawn = random_controls(policy, random_draw, aeo)
    assert (d.lane[drawn] == RED).all() and ((d.selected_by == RANDOM) == drawn).all()
    assert (d.lane[d.selected_by == EXPLORE] == RED).all()
    for i in range(len(d.offices)):
        mine = d.office_code == i
        for name, code in (("red", 2), ("yellow", 1), ("blue", 3)):
            in_lane = mine & (d.lane == code)
            fixed = in_lane & ((d.selected_by == RULE) | (d.selected_by == RANDOM))
            # the lane holds at most its capacity, or only what rules and random controls put there
            assert in_lane.sum() <= max(d.capacity[name][i], fixed.sum())
            if fixed.sum() >= d.capacity[name][i]:
                assert not (in_lane & ~fixed).any()
