"""The pure parts: risk measures on hand-made class sizes, band labels, and secondary suppression."""

from __future__ import annotations

import ibis
import numpy as np

from clearsight.privacy.hierarchy import LADDERS
from clearsight.privacy.risk import assess
from clearsight.privacy.stats import secondary_suppression


def test_risk_measures_by_hand():
    f = np.array([5, 5, 10])  # 20 released records in three classes
    F = np.array([10, 5, 20])  # the same classes in the population
    r = assess(f, F, k=5, max_marketer_risk=0.5)
    assert r.records == 20 and r.classes == 3 and r.smallest_class == 5
    assert r.prosecutor_highest == 0.2 and r.prosecutor_success_rate == 3 / 20
    assert r.journalist_highest == 0.2  # the class of 5 is also 5 in the population
    assert np.isclose(r.marketer, (5 / 10 + 5 / 5 + 10 / 20) / 20)
    assert r.records_below_k == 0 and r.sample_uniques == 0 and r.passed

    bad = assess(np.array([1, 2, 7]), np.array([1, 2, 7]), k=5, max_marketer_risk=0.1)
    assert bad.sample_uniques == 1 and bad.records_below_k == 3 and bad.prosecutor_highest == 1.0
    assert np.isclose(bad.prosecutor_records_at_risk, 3 / 10) and not bad.passed


def test_ladders_on_duckdb():
    t = ibis.memtable(
        {
            "v": [1234.5, 99999.0, 5000.0, 0.4, None],
            "hs": ["8703231990", "61091000", "030617", "8703231990", None],
            "office": ["KESEA02", "KEAIR01", "KELND10", "KESEA02", None],
            "ts": ["2024-01-03 10:00", "2024-02-29 23:00", "2024-12-30 08:00", "2024-01-01 00:00", None],
        }
    )
    t = t.mutate(ts=t.ts.cast("timestamp"))
    out = (
        t.select(
            band=LADDERS["customs_value"].apply(t.v, 1),
            decade=LADDERS["customs_value"].apply(t.v, 2),
            sig2=LADDERS["customs_value"].apply(t.v, 0),
            hs6=LADDERS["hs_code"].apply(t.hs, 2),
            group=LADDERS["office_id"].apply(t.office, 1),
            week=LADDERS["lodged_at"].apply(t.ts, 1),
            month=LADDERS["lodged_at"].apply(t.ts, 2),
            quarter=LADDERS["lodged_at"].apply(t.ts, 3),
        )
        .to_pyarrow()
        .to_pydict()
    )
    assert out["band"] == ["1000-2000", "50000-100000", "5000-10000", "0-1", "?"]
    assert out["decade"] == ["1000-10000", "10000-100000", "1000-10000", "0-1", "?"]
    assert out["sig2"][:3] == ["1200.0", "100000.0", "5000.0"]
    assert out["hs6"] == ["870323", "610910", "030617", "870323", "?"]
    assert out["group"] == ["KESEA", "KEAIR", "KELND", "KESEA", "?"]
    assert out["week"] == ["2024-01-01", "2024-02-26", "2024-12-30", "2024-01-01", "?"]
    assert out["month"] == ["2024-01", "2024-02", "2024-12", "2024-01", "?"]
    assert out["quarter"] == ["2024-Q1", "2024-Q1", "2024-Q4", "2024-Q1", "?"]


def _cell(a: str, b: str, value: float, status: str = "published") -> dict:
    return {"a": a, "b": b, "trade_value": value, "items": 1, "status": status, "reason": ""}


def test_secondary_suppression_protects_single_withheld_cells():
    cells = [
        _cell("x", "1", 100, "primary"),
        _cell("x", "2", 50),
        _cell("x", "3", 70),
        _cell("y", "1", 80),
        _cell("y", "2", 60),
        _cell("y", "3", 90),
    ]
    totals = {
        "a": {(b,): {"status": "published"} for b in ("1", "2", "3")},  # totals over a, one per b
        "b": {(a,): {"status": "published"} for a in ("x", "y")},  # totals over b, one per a
    }
    added = secondary_suppression(cells, totals, ["a", "b"])
    withheld = {(c["a"], c["b"]) for c in cells if c["status"] != "published"}
    # row x: the smallest other cell (x,2) goes; then columns 1 and 2 each need a second cell: (y,1), (y,2)
    assert withheld == {("x", "1"), ("x", "2"), ("y", "1"), ("y", "2")} and added == 3
    for dim, rest in (("a", "b"), ("b", "a")):
        for key in totals[dim]:
            line = [c for c in cells if (c[rest],) == key]
            assert sum(c["status"] != "published" for c in line) != 1


def test_search_buys_suppression_with_the_cheapest_raise():
    from clearsight.privacy.kanon import search

    # 25 rows, each unique: five HS6 codes of one heading, each declared on each of five days of one week.
    # Either coarser dates (week) or coarser goods (HS4) makes classes of 5: the costs decide which.
    codes = ["870321", "870322", "870323", "870324", "870331"]
    rows = [(f"2024-01-0{d} 10:00", c) for d in range(1, 6) for c in codes]
    t = ibis.memtable(
        {"lodged_at": [r[0] for r in rows], "hs_code": [r[1] for r in rows], "outcome": ["-"] * 25}
    )
    t = t.mutate(lodged_at=t.lodged_at.cast("timestamp"))
    start, highest = {"lodged_at": 0, "hs_code": 2}, {"lodged_at": 2, "hs_code": 3}
    goods_dear = search(t, start, highest, k=5, target_suppression=0.0, costs={"hs_code": 4.0})
    assert goods_dear.level_names == {"lodged_at": "week", "hs_code": "hs6"} and goods_dear.suppressed == 0
    dates_dear = search(t, start, highest, k=5, target_suppression=0.0, costs={"lodged_at": 4.0})
    assert dates_dear.level_names == {"lodged_at": "day", "hs_code": "hs4"} and dates_dear.suppressed == 0
    assert goods_dear.steps[0].suppressed == 25  # every row unique at the start
