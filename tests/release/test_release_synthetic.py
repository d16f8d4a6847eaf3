"""The release study and indicators on the synthetic world find what the generator planted, and agree
with figures computed independently (pyarrow and numpy) from the ingested tables."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from clearsight.release.compare import bootstrap_difference, compare_periods
from clearsight.release.kpi import NO_REASON_NOTE, kpi_report
from clearsight.release.report import build_release_report
from clearsight.release.times import ReleaseOptions


@pytest.fixture(scope="module")
def report(synthetic_copy):
    return build_release_report(synthetic_copy, ReleaseOptions(targets=(24.0, 48.0)), ["office", "lane"])


@pytest.fixture(scope="module")
def truth(synthetic_world_dir) -> pa.Table:
    """Per declaration, the event defect the generator planted (ground truth: tests only)."""
    gt = pacsv.read_csv(synthetic_world_dir / "ground_truth.csv").select(["declaration_id", "event_defect"])
    return gt.group_by("declaration_id").aggregate([("event_defect", "max")])


def _planted(truth: pa.Table, defect: str) -> set[str]:
    mask = pc.equal(pc.fill_null(truth["event_defect_max"], ""), defect)
    return set(truth.filter(mask)["declaration_id"].to_pylist())


def test_planted_event_defects_are_counted(report, truth):
    out_of_order, missing = _planted(truth, "out_of_order"), _planted(truth, "missing_milestone")
    assert out_of_order and missing
    q = report["event_quality"]
    assert q["out_of_order"] == len(out_of_order)
    assert q["missing_milestone"] == len(missing)
    assert report["excluded"]["out_of_order"] == len(out_of_order)
    assert q["unknown_declaration"] == q["no_release"] == q["no_start"] == 0
    assert report["declarations"] == report["declarations_with_events"] - len(out_of_order)


def test_release_times_equal_an_independent_computation(report, synthetic_copy, truth):
    ev = synthetic_copy.table("events").select("declaration_id", "event", "at").to_pyarrow()
    ev = ev.filter(pc.is_in(ev["event"], pa.array(["arrival", "lodgement", "release"])))
    secs = pc.cast(pc.cast(ev["at"], pa.timestamp("s")), pa.int64())
    ev = ev.append_column("s", secs)
    wide = {}
    for d, e, s in zip(
        ev["declaration_id"].to_pylist(), ev["event"].to_pylist(), ev["s"].to_pylist(), strict=True
    ):
        wide.setdefault(d, {})[e] = min(s, wide.get(d, {}).get(e, s))
    bad = _planted(truth, "out_of_order")
    hours = np.array(
        [
            (m["release"] - m.get("arrival", m.get("lodgement"))) / 3600
            for d, m in wide.items()
            if d not in bad
        ]
    )
    o = report["overall"]
    assert o["n"] == len(hours)
    assert o["mean_h"] == pytest.approx(hours.mean(), rel=1e-9)
    assert o["median_h"] == pytest.approx(np.quantile(hours, 0.5), rel=1e-9)
    assert o["p90_h"] == pytest.approx(np.quantile(hours, 0.9), rel=1e-9)
    assert o["within_target"]["24"] == pytest.approx((hours <= 24).mean())


def test_red_lane_is_slower_and_waits_for_inspection(report):
    lanes = {g["lane"]: g for g in report["dimensions"]["lane"]}
    assert lanes["red"]["median_h"] > lanes["yellow"]["median_h"] > lanes["green"]["median_h"]
    assert lanes["green"]["within_target"]["24"] > lanes["red"]["within_target"]["24"]
    pre = {g["pre_arrival"]: g for g in report["dimensions"]["pre_arrival"]}
    assert pre[True]["median_h"] < pre[False]["median_h"]  # pre-arrival lodgement pays off
    red = [b for b in report["bottlenecks"] if b["lane"] == "red" and b["declarations"] >= 5]
    waits = [
        b
        for b in red
        if (b["from"], b["to"]) in {("selection", "document_check"), ("document_check", "inspection_start")}
    ]
    assert red and len(waits) > len(red) / 2  # officers' queue, not paperwork, holds red declarations
    fast = {("lodgement", "registration"), ("registration", "selection"), ("payment", "release")}
    assert not [b for b in red if (b["from"], b["to"]) in fast]
    stages = {(s["from"], s["to"]): s for s in report["stages"]}
    assert (
        stages[("document_check", "inspection_start")]["median_h"]
        > stages[("lodgement", "registration")]["median_h"]
    )
    variants = [v["trace"] for v in report["paths"]["top_variants"]]
    assert (
        variants[0]
        == "arrival > lodgement > registration > selection > assessment > payment > release > exit"
    )
    assert (
        "lodgement > registration > selection > arrival > assessment > payment > release > exit"
        in variants[:3]
    )
    curve = report["curves"]["series"]["all"]
    assert all(a <= b for a, b in itertools.pairwise(curve))
    assert curve[24] == pytest.approx(report["overall"]["within_target"]["24"])


def test_indicators_equal_an_independent_computation(synthetic_copy):
    k = kpi_report(synthetic_copy)
    ins = synthetic_copy.table("inspections").to_pyarrow()
    decls = set(
        synthetic_copy.table("declarations")
        .select("declaration_id")
        .to_pyarrow()["declaration_id"]
        .to_pylist()
    )
    inspected = set(ins["declaration_id"].to_pylist())
    found = ins.filter(pc.is_in(ins["result"], pa.array(["fraud", "critical"])))
    hits = set(found["declaration_id"].to_pylist())
    o = k["overall"]
    assert (o["declarations"], o["selected"], o["hits"]) == (len(decls), len(inspected), len(hits))
    assert o["revenue"] == pytest.approx(pc.sum(ins["additional_revenue"]).as_py())
    assert o["revenue_per_inspection"] == pytest.approx(o["revenue"] / len(inspected))
    red = {
        d
        for d, lane in zip(ins["declaration_id"].to_pylist(), ins["lane"].to_pylist(), strict=True)
        if lane == "red"
    }
    lanes = {r["lane"]: r for r in k["by_lane"]}
    assert lanes["red"]["declarations"] == len(red)
    assert lanes["green"]["declarations"] == len(decls) - len(inspected)
    assert sum(r["selected"] for r in k["by_method"]) == len(inspected)
    assert sum(r["declarations"] for r in k["trend"]) == len(decls)
    assert k["by_selection_reason"] is None and k["random_sample"] is None and NO_REASON_NOTE in k["notes"]


def test_before_after(synthetic_copy):
    r = compare_periods(
        synthetic_copy, (dt.date(2023, 1, 1), dt.date(2023, 12, 31)), (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        n_boot=200,
    )  # fmt: skip
    for name in ("median_h", "p90_h"):
        d = r["differences"][name]
        assert d["ci_low"] <= d["difference"] <= d["ci_high"]
        assert d["difference"] == pytest.approx(r["after"][name] - r["before"][name])
    assert r["before"]["declarations"] > 1000 and r["after"]["declarations"] > 1000


def test_bootstrap_finds_a_known_shift():
    rng = np.random.default_rng(1)
    before = rng.exponential(10, 800)
    after = before + 5.0
    diff, low, high = bootstrap_difference(before, after, 0.5, n_boot=300)
    assert diff == pytest.approx(5.0) and low > 0 and low <= 5.0 <= high
    same = bootstrap_difference(before, rng.permutation(before), 0.9, n_boot=300)
    assert same[1] <= 0 <= same[2]
