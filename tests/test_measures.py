"""The shared domain measures: finds, and the robust unit-value statistics every room uses."""

from __future__ import annotations

import ibis
import numpy as np
import pyarrow as pa

from clearsight.schema.measures import (
    FOUND_RESULTS,
    MAD_SCALE,
    is_priced,
    log_unit_value,
    robust_log_unit_values,
)
from clearsight.schema.tables import RESULTS


def test_found_results_are_the_results_other_than_compliant() -> None:
    assert set(FOUND_RESULTS) == {"fraud", "critical"}
    assert set(FOUND_RESULTS) | {"compliant"} == set(RESULTS)


def test_mad_scale_makes_the_mad_of_a_normal_sample_a_sigma() -> None:
    x = np.random.default_rng(1).normal(0.0, 2.0, 200_000)
    mad = np.median(np.abs(x - np.median(x)))
    assert abs(MAD_SCALE * mad - 2.0) < 0.02


def test_robust_statistics_match_numpy_per_group() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    groups = rng.choice(["A", "B", "C", "D"], n, p=[0.4, 0.3, 0.299, 0.001])
    value = np.exp(rng.normal(4, 1, n)).round(2)
    value[rng.random(n) < 0.05] = 0.0  # not priced: left out
    mass = rng.uniform(0.1, 50, n).round(1)
    mass[groups == "C"] = 2.0
    value[groups == "C"] = 10.0  # one price: MAD 0
    con = ibis.duckdb.connect()
    d = con.create_table("d", pa.table({"hs6": groups, "customs_value": value, "net_mass_kg": mass}))
    items = d.filter(is_priced(d)).select("hs6", log_uv=log_unit_value(d))
    got = robust_log_unit_values(items, ["hs6"], min_count=10, quartiles=True).to_pandas()
    got = got.set_index("hs6").sort_index()

    priced = value > 0
    expected = {}
    for g in np.unique(groups):
        x = np.log(value[priced & (groups == g)] / mass[priced & (groups == g)])
        if len(x) >= 10:
            med = np.median(x)
            expected[g] = (len(x), med, np.median(np.abs(x - med)), *np.quantile(x, [0.25, 0.75]))
    assert list(got.index) == sorted(expected)  # "D" has too few items
    for g, (count, med, mad, q1, q3) in expected.items():
        row = got.loc[g]
        assert row["items"] == count
        assert np.isclose(row["median_log_unit_value"], med)
        assert np.isclose(row["mad_log_unit_value"], mad)
        assert np.isclose(row["q1_log_unit_value"], q1)
        assert np.isclose(row["q3_log_unit_value"], q3)
    assert got.loc["C", "mad_log_unit_value"] == 0.0
