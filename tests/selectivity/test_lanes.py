"""The lane decision: budgets per office, mandatory rules, random control, exploration, AEO."""

from __future__ import annotations

import numpy as np
import pytest

from clearsight.core.errors import UserError
from clearsight.selectivity.lanes import (
    BLUE,
    EXPLORE,
    GREEN,
    MODEL,
    RANDOM,
    RED,
    RULE,
    YELLOW,
    decide_lanes,
    top_per_group,
)
from clearsight.selectivity.policy import SelectionPolicy


def _batch(n: int = 2000, offices: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    office = np.array([f"OF{i}" for i in range(offices)])[rng.integers(0, offices, n)]
    return office, rng.random(n), rng


def test_budgets_are_filled_per_office_in_order_of_priority():
    office, priority, _ = _batch()
    policy = SelectionPolicy(red_budget=0.05, yellow_budget=0.10, blue_budget=0.02, random_rate=0.0)
    d = decide_lanes(office, priority, policy)
    for name in np.unique(office):
        mine = office == name
        n = mine.sum()
        lanes = d.lane[mine]
        assert (lanes == RED).sum() == int(0.05 * n)
        assert (lanes == YELLOW).sum() == int(0.10 * n)
        assert (lanes == BLUE).sum() == int(0.02 * n)
        # Every red item outranks every yellow one, which outranks every blue and green one.
        p = priority[mine]
        assert p[lanes == RED].min() > p[lanes == YELLOW].max()
        assert p[lanes == YELLOW].min() > p[lanes == BLUE].max()
        assert p[lanes == BLUE].min() > p[lanes == GREEN].max()
    assert set(np.unique(d.selected_by)) <= {0, MODEL}
    assert d.over_budget() == {}


def test_rules_are_mandatory_and_count_against_the_budget():
    office, priority, _ = _batch(n=1000, offices=1)
    rule_lane = np.full(1000, -1)
    rule_lane[:30] = RED  # 30 rule hits, budget 50: 20 left for the model
    priority[:30] = -1.0  # whatever their priority
    d = decide_lanes(office, priority, SelectionPolicy(red_budget=0.05, random_rate=0.0), rule_lane=rule_lane)
    assert (d.lane[:30] == RED).all() and (d.selected_by[:30] == RULE).all()
    assert ((d.lane == RED) & (d.selected_by == MODEL)).sum() == 20

    rule_lane[:80] = RED  # more hits than the budget: all still red, and the excess is reported
    d = decide_lanes(office, priority, SelectionPolicy(red_budget=0.05, random_rate=0.0), rule_lane=rule_lane)
    assert (d.lane == RED).sum() == 80 and not ((d.lane == RED) & (d.selected_by == MODEL)).any()
    assert d.over_budget() == {"OF0": 30}


def test_a_rule_raises_a_lane_and_never_lowers_the_model():
    """The tester's case: a yellow rule's item the model ranks among its reds goes red by the model;
    a green rule keeps nothing green; the rule's hit stays recorded (``rules_hit``, not here)."""
    office = np.array(["CTN01"] * 100)
    priority = np.linspace(1.0, 0.0, 100)  # item 0 the best-ranked
    rule_lane = np.full(100, -1)
    rule_lane[0] = YELLOW  # low-unit-value, on the best-ranked item
    rule_lane[1] = GREEN  # a facilitation rule on the second
    rule_lane[50] = YELLOW  # and on an item the model would leave green
    rule_lane[60] = RED
    policy = SelectionPolicy(red_budget=0.05, yellow_budget=0.05, random_rate=0.0)
    d = decide_lanes(office, priority, policy, rule_lane=rule_lane)
    assert d.lane[:2].tolist() == [RED, RED] and d.selected_by[:2].tolist() == [MODEL, MODEL]
    assert (d.lane[50], d.selected_by[50]) == (YELLOW, RULE)
    assert (d.lane[60], d.selected_by[60]) == (RED, RULE)
    # red: 1 rule + the model's 4 best (items 0 to 3); yellow: the rule's item 50 + the model's next 4
    assert np.flatnonzero(d.lane == RED).tolist() == [0, 1, 2, 3, 60]
    assert np.flatnonzero(d.lane == YELLOW).tolist() == [4, 5, 6, 7, 50]


def test_an_item_raised_out_of_a_rules_lane_frees_its_place():
    """Lanes are filled strictest first and an item counts once, in its final lane: a rule's yellow
    the model raises to red leaves its yellow place to the model's next best."""
    office = np.array(["A"] * 100)
    priority = np.linspace(1.0, 0.0, 100)
    rule_lane = np.full(100, -1)
    rule_lane[:10] = YELLOW  # the whole yellow budget, on the ten best-ranked items
    policy = SelectionPolicy(red_budget=0.05, yellow_budget=0.10, random_rate=0.0)
    d = decide_lanes(office, priority, policy, rule_lane=rule_lane)
    assert np.flatnonzero(d.lane == RED).tolist() == [0, 1, 2, 3, 4]
    assert (d.selected_by[:5] == MODEL).all() and (d.selected_by[5:10] == RULE).all()
    assert np.flatnonzero(d.lane == YELLOW).tolist() == list(range(5, 15))
    assert (d.selected_by[10:15] == MODEL).all() and d.over_budget() == {}


def test_random_control_takes_red_whatever_a_rule_said():
    office = np.array(["A"] * 4)
    rule_lane = np.array([RED, YELLOW, GREEN, -1])
    draw = np.array([0.001, 0.001, 0.001, 0.9])
    policy = SelectionPolicy(red_budget=0.01, random_rate=0.01)
    d = decide_lanes(office, np.zeros(4), policy, rule_lane=rule_lane, random_draw=draw)
    assert d.lane.tolist() == [RED, RED, RED, GREEN]
    # the random control is named first: its sample is a sample of every item, rule hits included
    assert d.selected_by.tolist() == [RANDOM, RANDOM, RANDOM, 0] and d.random.tolist() == [True] * 3 + [False]


def test_random_control_is_unbiased_and_reduced_for_aeo_traders():
    n = 200_000
    office, priority, rng = _batch(n=n, offices=3, seed=1)
    aeo = rng.random(n) < 0.5
    policy = SelectionPolicy(red_budget=0.05, random_rate=0.02, aeo_factor=0.25, seed=7)
    d = decide_lanes(office, priority, policy, aeo=aeo)
    rnd = d.selected_by == RANDOM
    assert abs(rnd[~aeo].mean() - 0.02) < 0.003
    assert abs(rnd[aeo].mean() - 0.005) < 0.0015
    # Random picks ignore the score: their priorities look like everyone's.
    assert abs(priority[rnd].mean() - 0.5) < 0.03
    # The random control is part of the red budget, not added to it.
    for name in np.unique(office):
        mine = office == name
        assert (d.lane[mine] == RED).sum() == int(0.05 * mine.sum())
    # The same seed gives the same decision.
    again = decide_lanes(office, priority, policy, aeo=aeo)
    assert np.array_equal(again.lane, d.lane) and np.array_equal(again.selected_by, d.selected_by)


def test_exploration_takes_its_share_from_items_the_model_left():
    office, priority, rng = _batch(n=10_000, offices=2, seed=2)
    explore = rng.random(10_000)
    policy = SelectionPolicy(red_budget=0.05, random_rate=0.0, explore_share=0.2)
    d = decide_lanes(office, priority, policy, explore_priority=explore)
    for name in np.unique(office):
        mine = office == name
        cap = int(0.05 * mine.sum())
        by = d.selected_by[mine]
        red_by_model = (by == MODEL) & (d.lane[mine] == RED)
        assert (by == EXPLORE).sum() == int(0.2 * cap)
        assert red_by_model.sum() + (by == EXPLORE).sum() == cap
        # Explored items are the best by exploration priority among those the model did not take.
        e = explore[mine]
        rest = ~red_by_model & (by != EXPLORE)
        assert e[by == EXPLORE].min() >= e[rest].max()
    with pytest.raises(ValueError, match="explore_priority"):
        decide_lanes(office, priority, policy)


def test_aeo_traders_are_ranked_lower():
    office = np.array(["A"] * 4)
    priority = np.array([10.0, 9.0, 8.0, 1.0])
    aeo = np.array([True, False, False, False])
    d = decide_lanes(office, priority, SelectionPolicy(red_budget=0.5, random_rate=0.0, aeo_factor=0.5), aeo=aeo)
    assert d.lane.tolist() == [GREEN, RED, RED, GREEN]  # 10 × 0.5 = 5 < 8


def test_arrow_output_and_counts():
    office, priority, _ = _batch(n=500, offices=2)
    d = decide_lanes(office, priority, SelectionPolicy(red_budget=0.1, random_rate=0.02, seed=3))
    table = d.to_arrow()
    assert table.column_names == ["lane", "selected_by", "random_control", "exploration"]
    assert set(table["lane"].to_pylist()) <= {"green", "yellow", "red", "blue"}
    assert sum(table["random_control"].to_pylist()) == int((d.selected_by == RANDOM).sum())
    counts = d.counts()
    assert sum(sum(c.values()) for c in counts.values()) == 500
    assert counts["OF0"]["red"] == int(((office == "OF0") & (d.lane == RED)).sum())


def test_top_per_group_ties_keep_input_order():
    group = np.array([0, 0, 0, 1, 1])
    key = np.array([1.0, 1.0, 1.0, 2.0, 3.0])
    mask = top_per_group(group, key, np.ones(5, dtype=bool), np.array([2, 1]))
    assert mask.tolist() == [True, True, False, False, True]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"red_budget": 1.5}, "red_budget must be between 0 and 100 %"),
        ({"yellow_budget": -0.1}, "yellow_budget must be between 0 and 100 %"),
        ({"red_budget": 0.6, "yellow_budget": 0.5}, "add up to more than 100 %"),
        ({"red_budget": 0.01, "random_rate": 0.02}, "random control is part of the red budget"),
    ],
)
def test_bad_policies_are_refused_in_one_line(options, message):
    with pytest.raises(UserError, match=message) as info:
        SelectionPolicy.of(**options)
    assert "\n" not in str(info.value)
