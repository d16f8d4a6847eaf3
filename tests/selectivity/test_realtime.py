"""The real-time decider: one declaration at a time with the last batch's thresholds, the same rules
and the same random-control draw; before any batch, thresholds from the model's recent scores."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.settings import Settings
from clearsight.core.store import open_store
from clearsight.core.warehouse import connect
from clearsight.risk.scorer import RiskScorer
from clearsight.rules.profiles import RuleSet, rule_of
from clearsight.rules.rows import RowRules
from clearsight.rules.store import add_rules, disable_rule
from clearsight.schema.tables import DECLARATIONS
from clearsight.selectivity.policy import SelectionPolicy
from clearsight.selectivity.realtime import RealtimeDecider, canonical_rows, decider_stamp
from clearsight.selectivity.select import random_draws
from clearsight.selectivity.why import number
from portal_live import trained_home, workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory, synthetic_warehouse_file):
    return trained_home(tmp_path_factory, synthetic_warehouse_file)


def add_two_rules(settings: Settings) -> None:
    store = open_store(settings)
    add_rules(
        store,
        [
            rule_of(
                {"name": "air-red", "lane": "red", "reason": "x", "offices": "KEAIR01", "max_unit_value": 40}
            ),
            rule_of({"name": "plastics", "lane": "yellow", "reason": "x", "hs_codes": "39"}),
        ],
    )
    store.close()


def test_replaying_the_batch_gives_the_batch_lanes(template, tmp_path):
    settings = workspace(template, tmp_path / "home")
    add_two_rules(settings)
    result = runner.invoke(
        app,
        [
            "--home",
            str(settings.home),
            "select",
            "--from",
            "2024-11-01",
            "--to",
            "2024-12-15",
            "--explore-share",
            "20",
            "--blue-budget",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    batch = json.loads(result.stdout)
    decider = RealtimeDecider.load(settings)
    assert batch["selection_id"] in decider.source and len(decider.rules) == 2

    wh = connect(settings.warehouse_url)
    d = wh.table("declarations")
    s = wh.table("selections")
    joined = d.join(s, ["declaration_id", "item_no"]).order_by(["declaration_id", "item_no"])
    rows = joined.select(
        *DECLARATIONS.field_names,
        "lane",
        "selected_by",
        "random_control",
        "exploration",
        "rules_hit",
        "score",
    ).to_pyarrow()
    wh.close()
    decided = decider.decide(rows.select(DECLARATIONS.field_names), rows.select(["score"]))
    assert len(decided) == rows.num_rows == batch["items"]

    # offices large enough for each budget to admit at least one item compare one to one
    size = Counter(rows["office_id"].to_pylist())
    compared = Counter()
    for item, got in zip(rows.to_pylist(), decided, strict=True):
        assert got["rules_hit"] == item["rules_hit"]
        assert got["random_control"] == item["random_control"]
        if item["exploration"] or min(0.05, 0.10, 0.03) * size[item["office_id"]] < 1:
            continue  # exploration ranks items against each other: a batch decision only
        where = item["declaration_id"]
        assert (got["lane"], got["selected_by"]) == (item["lane"], item["selected_by"]), where
        compared[got["selected_by"]] += 1
    assert compared["model"] > 0 and compared["none"] > 0 and compared["rule"] > 0


def test_without_a_batch_thresholds_come_from_recent_scores(template, tmp_path):
    settings = workspace(template, tmp_path / "fresh")
    decider = RealtimeDecider.load(settings)
    assert decider.source.startswith("no batch decision yet") and decider.thresholds == {}
    red, yellow = decider.overall["red"], decider.overall["yellow"]
    assert red is not None and yellow is not None and red >= yellow and decider.overall["blue"] is None

    wh = connect(settings.warehouse_url)
    items = wh.table("declarations").select(*DECLARATIONS.field_names).to_pyarrow()
    scored = RiskScorer.load(settings, warehouse=wh, as_of=pc.min(items["lodged_at"]).as_py()).score(
        items, explain_top=0
    )
    wh.close()
    lanes = Counter((x["lane"], x["selected_by"]) for x in decider.decide(items, scored))
    n = items.num_rows
    # the model's share of red is the red budget less the random control; yellow is the yellow budget
    assert abs(lanes[("red", "model")] / n - (0.05 - 0.005)) < 0.01
    assert abs(lanes[("yellow", "model")] / n - 0.10) < 0.01
    assert 0 < lanes[("red", "random")] < 0.02 * n


def test_one_declaration_as_the_clearance_system_sends_it(template, tmp_path):
    settings = workspace(template, tmp_path / "one")
    add_two_rules(settings)
    decider = RealtimeDecider.load(settings)
    items = pa.Table.from_pylist(
        [
            {
                "declaration_id": "RT-1",
                "item_no": 1,
                "office_id": "KEAIR01",
                "hs_code": "3924.10.10",
                "customs_value": 100.0,
                "net_mass_kg": 50.0,
                "importer_id": "IM000109",
                "country_of_origin": "CN",
            },
            {
                "declaration_id": "RT-1",
                "item_no": 2,
                "office_id": "KEAIR01",
                "hs_code": "85414300",
                "customs_value": 9000.0,
                "net_mass_kg": 10.0,
                "importer_id": "IM000109",
                "country_of_origin": "CN",
            },
        ]
    )
    rows = canonical_rows(items, now=dt.datetime(2025, 1, 6, 9))
    assert (
        rows[0]["hs6"] == "392410"
        and rows[0]["hs2"] == "39"
        and rows[0]["lodged_at"] == dt.datetime(2025, 1, 6, 9)
    )
    assert rows[0]["seller_id"] is None and set(rows[0]) == {f.name for f in DECLARATIONS.fields}
    scored = pa.table({"score": [0.0, 1e9]})
    first, second = decider.decide(items, scored)
    assert (
        first["rules_hit"] == ["air-red", "plastics"]
        and first["lane"] == "red"
        and first["selected_by"] == "rule"
    )
    # every rule hit is listed, and the sentence says which decided and what the other asked for
    assert first["threshold"] is None and first["why"].startswith("red by rule air-red; rule plastics asked for yellow")
    assert (
        second["rules_hit"] == [] and second["lane"] == "red" and second["selected_by"] in ("model", "random")
    )
    if second["selected_by"] == "model":  # before any batch: the overall thresholds
        assert second["threshold"] == decider.overall["red"]
        assert second["why"] == f"red by the model: score 1,000,000,000.0 ≥ the overall red threshold {number(decider.overall['red'])}"
    draws = random_draws(pa.array(["RT-1", "RT-1"]), pa.array([1, 2]), decider.policy.seed)
    assert (
        draws.tolist() == random_draws(pa.array(["X", "RT-1", "RT-1"]), pa.array([9, 1, 2]), 0)[1:].tolist()
    )
    assert draws.min() >= 0 and draws.max() < 1
    with pytest.raises(ValueError, match="2 items but 1 scores"):
        decider.decide(items, scored.slice(0, 1))


def test_random_draws_are_uniform_and_the_same_one_at_a_time():
    n = 30_000
    ids = pa.array([f"KESEA01-2024-C{i // 3:07d}" if i % 97 else f"Ü-{i}" for i in range(n)])
    items = pa.array([i % 3 + 1 for i in range(n)])
    batch = random_draws(ids, items, 11)
    counts = Counter((batch * 10).astype(int).tolist())
    assert sorted(counts) == list(range(10)) and all(abs(c - n / 10) < 0.05 * n / 10 for c in counts.values())
    # one declaration at a time (the real-time path) draws exactly the batch's numbers
    one_by_one = [random_draws(ids.slice(i, 1), items.slice(i, 1), 11)[0] for i in range(0, n, 7)]
    assert one_by_one == batch[::7].tolist()
    other_seed = random_draws(ids, items, 12)
    assert abs(float(((batch < 0.5) == (other_seed < 0.5)).mean()) - 0.5) < 0.02


def test_the_stamp_changes_with_rules_and_batches(template, tmp_path):
    settings = workspace(template, tmp_path / "stamp")
    store = open_store(settings)
    first = decider_stamp(settings, store)
    assert decider_stamp(settings, store) == first
    add_rules(store, [rule_of({"name": "r1", "lane": "red", "reason": "x", "offices": "KEAIR01"})])
    added = decider_stamp(settings, store)
    disable_rule(store, "r1")
    disabled = decider_stamp(settings, store)
    store.close()
    result = runner.invoke(app, ["--home", str(settings.home), "select", "--date", "2024-12-02"])
    assert result.exit_code == 0, result.output
    store = open_store(settings)
    decided = decider_stamp(settings, store)
    store.close()
    assert len({first, added, disabled, decided}) == 4


def ctn_decider(policy: SelectionPolicy) -> RealtimeDecider:
    """A decider as the last batch left it for office CTN01 (the overall thresholds for the others),
    with one yellow rule on items below 20 per kg."""
    rule = rule_of({"name": "low-unit-value", "lane": "yellow", "reason": "x", "max_unit_value": 20})
    return RealtimeDecider(
        policy=policy,
        rules=RowRules(RuleSet([rule])),
        thresholds={"CTN01": {"red": 0.4905, "yellow": 0.27, "blue": None}},
        overall={"red": 0.6, "yellow": 0.3, "blue": None},
        source="test",
    )


def ctn_items(scores: list[float], cheap: list[bool], office: str = "CTN01") -> tuple[pa.Table, pa.Table]:
    items = pa.Table.from_pylist(
        [
            {
                "declaration_id": "CTN-1",
                "item_no": i + 1,
                "office_id": office,
                "hs_code": "392410",
                "customs_value": 100.0 if c else 9000.0,
                "net_mass_kg": 10.0,
                "importer_id": "IM1",
            }
            for i, c in enumerate(cheap)
        ]
    )
    return items, pa.table({"score": scores})


def test_a_rule_never_lowers_the_models_lane():
    """The tester's case: at 0.499 the yellow rule hit goes red by the model (it did go yellow by the
    rule, while 0.490 went red); the answer says who selected it, against which threshold, and what
    the rule asked for."""
    decider = ctn_decider(SelectionPolicy(random_rate=0.0))
    items, scored = ctn_items([0.499, 0.1, 0.136, 0.3], [True, True, False, True])
    red, yellow, green, agreed = decider.decide(items, scored)
    assert (red["lane"], red["selected_by"], red["rules_hit"], red["threshold"]) == (
        "red", "model", ["low-unit-value"], 0.4905
    )
    assert red["why"] == "red by the model: score 0.499 ≥ office CTN01's red threshold 0.4905; rule low-unit-value asked for yellow"
    assert (yellow["lane"], yellow["selected_by"], yellow["threshold"]) == ("yellow", "rule", None)
    assert yellow["why"] == "yellow by rule low-unit-value; the model alone would say green"
    assert (green["lane"], green["selected_by"], green["threshold"]) == ("green", "none", None)
    assert green["why"] == "green: no rule hit, score 0.136 below office CTN01's yellow threshold 0.27"
    # a rule and the model agree: the rule is named (tie order), and the sentence says the model agreed
    assert (agreed["lane"], agreed["selected_by"], agreed["threshold"]) == ("yellow", "rule", None)
    assert agreed["why"] == (
        "yellow by rule low-unit-value; the model agreed: score 0.3 ≥ office CTN01's yellow threshold 0.27"
    )
    # an office the last batch did not hold follows the overall thresholds, and says so
    (other,) = decider.decide(*ctn_items([0.65], [False], office="ZZZ99"))
    assert (other["lane"], other["threshold"]) == ("red", 0.6)
    assert other["why"] == "red by the model: score 0.65 ≥ the overall red threshold 0.6"


def test_the_random_control_is_named_first_and_always_red():
    decider = ctn_decider(SelectionPolicy(red_budget=1.0, yellow_budget=0.0, random_rate=1.0))
    items, scored = ctn_items([0.499, 0.0], [True, False])
    first, second = decider.decide(items, scored)
    assert [(x["lane"], x["selected_by"], x["random_control"], x["threshold"]) for x in (first, second)] == [
        ("red", "random", True, None), ("red", "random", True, None)
    ]
    assert first["why"] == (
        "red by random control (100 % of items); rule low-unit-value asked for yellow; the model agreed: "
        "score 0.499 ≥ office CTN01's red threshold 0.4905"
    )
    assert second["why"] == "red by random control (100 % of items); the model alone would say green"
