"""The release study on a planted event log: every count, exclusion and figure known in advance."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from release_planted import BASE, EVENTS, TOTALS

from clearsight.core.errors import UserError
from clearsight.release.milestones import hs_sections
from clearsight.release.report import build_release_report
from clearsight.release.times import ReleaseOptions, parse_dimensions

MEASURED = {k: v for k, v in TOTALS.items() if k != "O1"}  # out of order: excluded by default


def linear_quantile(values, q: float) -> float:
    return float(np.quantile(np.array(list(values), dtype=float), q))


def test_counts_and_exclusions(planted_duckdb):
    r = build_release_report(planted_duckdb)
    assert r["declarations_with_events"] == len(EVENTS)
    assert r["declarations"] == len(MEASURED) == 13
    assert r["excluded"] == {"unknown_declaration": 1, "no_start": 1, "no_release": 1, "out_of_order": 1}
    assert sum(r["excluded"].values()) == r["declarations_with_events"] - r["declarations"]
    q = r["event_quality"]
    # M1 lacks registration; S1 (only a release) lacks six milestones but is excluded as no_start
    assert (q["missing_milestone"], q["missing_milestones"]) == (2, 7)
    assert (q["duplicate"], q["unmapped_events"], q["out_of_order"]) == (1, 1, 1)
    assert r["lodgement_fallback"] == 1 and r["pre_arrival"] == 1


def test_overall_figures_equal_numpy(planted_duckdb):
    r = build_release_report(planted_duckdb, ReleaseOptions(targets=(4.0, 24.0)))
    values = list(MEASURED.values())  # DUP1 at its first release (3 h), ALIAS1 from its aliased codes
    o = r["overall"]
    assert o["n"] == len(values)
    assert o["mean_h"] == pytest.approx(np.mean(values), rel=1e-12)
    for key, q in (("median_h", 0.5), ("p75_h", 0.75), ("p90_h", 0.9), ("p95_h", 0.95)):
        assert o[key] == pytest.approx(linear_quantile(values, q), rel=1e-9)
    assert o["within_target"] == {
        "4": pytest.approx(sum(v <= 4 for v in values) / len(values)),
        "24": pytest.approx(sum(v <= 24 for v in values) / len(values)),
    }


def test_outlier_rule_and_policies(planted_duckdb):
    values = np.array(list(MEASURED.values()), dtype=float)
    q1, q3 = np.quantile(values, [0.25, 0.75])
    fence = q3 + 3 * (q3 - q1)
    kept = build_release_report(planted_duckdb)
    assert kept["event_quality"]["outlier_fence_h"] == pytest.approx(fence)
    assert kept["event_quality"]["outlier"] == int((values > fence).sum()) == 2  # R2 (50 h) and SLOW (500 h)
    dropped = build_release_report(
        planted_duckdb, ReleaseOptions(exclude=frozenset({"out_of_order", "outlier"}))
    )
    assert dropped["excluded"]["outlier"] == 2
    assert dropped["overall"]["mean_h"] == pytest.approx(values[values <= fence].mean())
    none = build_release_report(planted_duckdb, ReleaseOptions(exclude=frozenset()))
    assert none["declarations"] == 14 and "out_of_order" not in none["excluded"]
    missing = build_release_report(planted_duckdb, ReleaseOptions(exclude=frozenset({"missing_milestone"})))
    assert missing["excluded"]["missing_milestone"] == 1  # M1; S1 already counted as no_start


def test_groups_stages_bottlenecks_paths(planted_duckdb):
    r = build_release_report(planted_duckdb, by=parse_dimensions("office_id,lane"))
    groups = {(g["office"], g["lane"]): g for g in r["groups"]}
    assert groups[("OF2", "red")]["median_h"] == 50 and groups[("OF1", "red")]["n"] == 1
    assert groups[("OF2", "yellow")]["mean_h"] == pytest.approx(10)
    lanes = {g["lane"]: g for g in r["dimensions"]["lane"]}
    assert lanes["red"]["median_h"] > lanes["yellow"]["median_h"] > lanes["green"]["median_h"]
    assert r["dimensions"]["weekday"][0]["weekday"] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    stages = {(s["from"], s["to"]): s for s in r["stages"]}
    assert stages[("document_check", "inspection_start")]["n"] == 2
    assert stages[("registration", "selection")]["n"] == 12  # M1 goes lodgement -> selection
    assert stages[("lodgement", "selection")]["n"] == 1
    # R2's nine stages before release are equal: its bottleneck holds a ninth of the time
    b = {(x["office"], x["lane"]): x for x in r["bottlenecks"]}
    assert b[("OF2", "red")]["share"] == pytest.approx(1 / 9)
    assert all(0 < x["share"] <= 1 for x in r["bottlenecks"])
    # directly-follows edges: one per consecutive pair of recorded milestones (first records only)
    milestones = {d: len({c for c, _ in EVENTS[d][1]}) for d in MEASURED}
    milestones["ALIAS1"] -= 1  # "weird event" is no milestone: counted, not drawn
    milestones["DUP1"] = 8  # the second release is a repeat
    assert sum(e["n"] for e in r["paths"]["edges"]) == sum(milestones.values()) - len(MEASURED)
    edges = {(e["from"], e["to"]): e for e in r["paths"]["edges"]}
    assert edges[("selection", "arrival")]["n"] == 1  # P1: lodged before the goods arrived
    assert edges[("selection", "arrival")]["median_h"] == pytest.approx(4.8)
    assert edges[("lodgement", "selection")]["n"] == 1  # M1 skips registration
    assert r["paths"]["top_variants"][0]["trace"].startswith("arrival > lodgement > registration")


def test_period_and_bad_input(planted_duckdb):
    first_three = ReleaseOptions(date_from=BASE.date(), date_to=BASE.date() + dt.timedelta(days=2))
    assert build_release_report(planted_duckdb, first_three)["declarations"] == 3
    with pytest.raises(UserError, match="no clearance events between 2030-01-01"):
        build_release_report(planted_duckdb, ReleaseOptions(date_from=dt.date(2030, 1, 1)))
    with pytest.raises(UserError, match="positive hours"):
        ReleaseOptions(targets=(-1.0,))
    with pytest.raises(UserError, match="cannot exclude"):
        ReleaseOptions(exclude=frozenset({"slow"}))
    with pytest.raises(UserError, match="unknown group dimension"):
        parse_dimensions("office,colour")


def test_empty_warehouse(duckdb_warehouse):
    with pytest.raises(UserError, match="holds no clearance events"):
        build_release_report(duckdb_warehouse)


def test_hs_sections():
    sections = hs_sections()
    assert (sections["01"], sections["84"], sections["97"]) == ("I", "XVI", "XXI")
