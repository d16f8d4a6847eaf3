"""Integrity indicators on the synthetic world: the planted officer and office are flagged, by the
indicators they were planted for, and no other officer or office is; lane downgrades are read from the
stored lane decisions made before each inspection."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearsight.core.errors import UserError
from clearsight.core.warehouse import connect
from clearsight.performance import IntegrityOptions, integrity_report
from clearsight.performance.integrity import benjamini_hochberg
from clearsight.schema.derived import SELECTIONS


@pytest.fixture(scope="module")
def truth(synthetic_world_dir):
    return json.loads((synthetic_world_dir / "world.json").read_text())["integrity"]


@pytest.fixture(scope="module")
def report(synthetic_warehouse_file):
    wh = connect(f"duckdb://{synthetic_warehouse_file}")
    try:
        return integrity_report(wh)
    finally:
        wh.close()


def flagged(report, indicator, level):
    i = next(i for i in report["indicators"] if i["indicator"] == indicator and i["level"] == level)
    return {tuple(r.get(k) for k in ("office_id", "officer_id", "importer_id") if k in r) for r in i["rows"] if r["flagged"]}


def test_the_planted_officer_is_flagged_for_what_was_planted(report, truth):
    officer = truth["officer"]
    assert flagged(report, "compliant_where_others_find", "officer") == {(officer["office_id"], officer["officer_id"])}
    assert flagged(report, "trader_affinity", "officer") == {
        (officer["office_id"], officer["officer_id"], officer["trader"])}


def test_the_planted_office_is_flagged_for_fast_red_clearance(report, truth):
    assert flagged(report, "fast_red_clearance", "office") == {(truth["office"]["office_id"],)}
    row = next(r for i in report["indicators"] if i["indicator"] == "fast_red_clearance" and i["level"] == "office"
               for r in i["rows"] if r["office_id"] == truth["office"]["office_id"])
    assert row["median_ratio"] < 0.3 and row["q_value"] < 1e-6


def test_no_one_else_is_flagged(report, truth):
    planted = {truth["officer"]["officer_id"], truth["office"]["office_id"]}
    others = [f for f in report["flags"] if (f.get("officer_id") or f["office_id"]) not in planted]
    assert others == []
    assert len(report["flags"]) == 3
    tested = {(i["indicator"], i["level"]): i["tested"] for i in report["indicators"]}
    assert tested[("fast_red_clearance", "office")] >= 4  # peers were tested, and passed
    assert tested[("trader_affinity", "officer")] >= 2


def test_lane_downgrades_come_from_decisions_made_before_the_inspection(synthetic_warehouse):
    wh = synthetic_warehouse
    i = wh.table("inspections").to_pyarrow().to_pylist()
    yellow: dict[str, int] = {}
    for r in i:
        if r["lane"] == "yellow":
            yellow[r["officer_id"]] = yellow.get(r["officer_id"], 0) + 1
    officer = max(sorted(yellow), key=lambda o: yellow[o])
    rows = []
    for n, r in enumerate(i):
        downgraded = r["officer_id"] == officer and r["lane"] == "yellow"
        rows.append({
            "selection_id": "test", "declaration_id": r["declaration_id"], "item_no": r["item_no"],
            "office_id": r["declaration_id"].split("-")[0], "lane": "red" if downgraded else r["lane"],
            "selected_by": "rule", "channel": "batch", "decided_by": "test",
            # every tenth decision is made after its inspection (replayed on history): not compared
            "decided_at": r["inspected_at"] + dt.timedelta(hours=1 if n % 10 == 0 else -1),
        })
    table = pa.Table.from_pylist(rows).cast(pa.schema([SELECTIONS.arrow_schema().field(c) for c in rows[0]]))
    wh.create_table("selections", schema=SELECTIONS.schema())
    wh.insert("selections", table)
    from clearsight.selectivity import lane_decisions

    options = IntegrityOptions(min_controls=5)
    report = integrity_report(wh, options, decisions=lane_decisions(wh, None))
    down = next(x for x in report["indicators"] if x["indicator"] == "lane_downgrades" and x["level"] == "officer")
    assert {r["officer_id"] for r in down["rows"] if r["flagged"]} == {officer}
    row = next(r for r in down["rows"] if r["officer_id"] == officer)
    assert row["k"] == sum(1 for n, r in enumerate(i) if r["officer_id"] == officer and r["lane"] == "yellow" and n % 10)
    assert all(r["k"] == 0 for r in down["rows"] if r["officer_id"] != officer)
    assert integrity_report(wh, options)["indicators"][0]["note"].startswith("no lane decisions are stored")


def test_benjamini_hochberg_and_options():
    assert benjamini_hochberg([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
    with pytest.raises(UserError, match="alpha must be between 0 and 1"):
        IntegrityOptions(alpha=1.5)
    with pytest.raises(UserError, match=r"starts .* after it ends"):
        IntegrityOptions(dt.date(2024, 2, 1), dt.date(2024, 1, 1))


def test_pairs_never_seen_count_in_the_correction():
    """An officer who never controlled a trader is a hypothesis too: the affinity test's family is
    every officer at the office in the trader's months against every trader tested there, so a pair
    that stands out among many looked at is corrected for all of them."""
    from clearsight.performance.integrity import _affinity_test, _finish

    def month(officer, trader, k, n, m):
        return {"office_id": "OFF", "officer_id": officer, "importer_id": trader, "month": m, "k_m": k,
                "o_m": 10, "n_m": 2, "all_m": 100, "n": n}

    strata = [month("O0", "IM1", 2, 20, m) for m in range(3)] + [month("O0", "IM1", 0, 20, m) for m in range(3, 10)]
    strata += [month(f"O{i}", "IM1", 1 if i < 10 else 0, 20, i) for i in range(1, 15)]
    strata += [month(f"O{i}", "IM9", 2, 3, 0) for i in range(15, 40)]  # IM9: too few controls to test
    tested, family = _affinity_test(strata, min_volume=8)
    assert [r["officer_id"] for r in tested] == ["O0"]  # only a pair seen at least twice is worth a test
    assert family == 15  # but all 15 officers there in IM1's months were looked at
    assert tested[0]["k"] == 6 and tested[0]["months"] == 10 and tested[0]["expected"] == pytest.approx(2.0)
    alone = _finish([dict(tested[0])], 0.05, lambda r: True)[0]
    corrected = _finish([dict(tested[0])], 0.05, lambda r: True, family)[0]
    assert alone["q_value"] == tested[0]["p_value"]
    assert corrected["q_value"] == min(1.0, tested[0]["p_value"] * family)


def test_one_month_is_fishers_exact_test_and_the_odds_ratio_is_mantel_haenszels():
    """Checked against other implementations: scipy's Fisher test for one month; statsmodels' pooled
    (Mantel–Haenszel) odds ratio and brute-force enumeration of the months' joint counts for several."""
    import itertools
    import math

    from scipy.stats import fisher_exact, hypergeom
    from statsmodels.stats.contingency_tables import StratifiedTable

    from clearsight.performance.integrity import stratified_exact_test

    one = stratified_exact_test([(5, 12, 8, 60)])
    assert one["p_value"] == pytest.approx(fisher_exact([[5, 7], [3, 45]], alternative="greater").pvalue)
    months = [(3, 10, 5, 40), (2, 4, 6, 30), (4, 9, 4, 50)]
    got = stratified_exact_test(months)
    tables = [[[k, o - k], [n - k, a - o - n + k]] for k, o, n, a in months]
    assert got["odds_ratio"] == pytest.approx(StratifiedTable(tables).oddsratio_pooled)
    supports = [range(max(0, o + n - a), min(o, n) + 1) for _, o, n, a in months]
    observed = sum(k for k, *_ in months)
    tail = sum(
        math.prod(float(hypergeom.pmf(x, a, n, o)) for x, (_, o, n, a) in zip(xs, months, strict=True))
        for xs in itertools.product(*supports) if sum(xs) >= observed
    )
    assert got["p_value"] == pytest.approx(tail)
    assert got["expected"] == pytest.approx(sum(n * o / a for _, o, n, a in months))
    assert stratified_exact_test([(3, 3, 8, 50)])["odds_ratio"] is None  # the officer did nothing else


controls = st.lists(
    st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["O1", "O2", "O3"]), st.sampled_from(["T1", "T2"]),
              st.integers(0, 5)),
    min_size=1, max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(controls)
def test_affinity_strata_are_the_months_both_were_there(rows):
    """Counted again in plain Python from the same controls: a stratum per month in which the trader
    was controlled and the officer worked at the office, with the month's counts."""
    import ibis

    from clearsight.performance.integrity import trader_affinity_counts

    items = ibis.memtable({
        "declaration_id": [f"D{i}" for i in range(len(rows))],
        "office_id": [r[0] for r in rows], "officer_id": [r[1] for r in rows], "importer_id": [r[2] for r in rows],
        "inspected_at": [dt.datetime(2024, 1 + r[3], 3 + i % 20) for i, r in enumerate(rows)],
    })
    got = {(r["office_id"], r["officer_id"], r["importer_id"], r["month"].month - 1):
           (r["k_m"], r["o_m"], r["n_m"], r["all_m"], r["n"]) for r in trader_affinity_counts(items, 2)}
    want = {}
    for office, officer, trader, m in {(r[0], r[1], r[2], r[3]) for r in rows} | {
            (a[0], b[1], a[2], a[3]) for a in rows for b in rows if a[0] == b[0] and a[3] == b[3]}:
        here = [r for r in rows if r[0] == office]
        n = sum(1 for r in here if r[2] == trader)
        o_m = sum(1 for r in here if r[1] == officer and r[3] == m)
        n_m = sum(1 for r in here if r[2] == trader and r[3] == m)
        if n < 2 or not o_m or not n_m:
            continue
        k_m = sum(1 for r in here if r[1] == officer and r[2] == trader and r[3] == m)
        want[(office, officer, trader, m)] = (k_m, o_m, n_m, sum(1 for r in here if r[3] == m), n)
    assert got == want
