"""``clearsight stats publish``: suppression rules rechecked from the raw data with plain SQL, totals
that cannot give a withheld cell away, and differential-privacy noise measured against epsilon."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.csv as pacsv
import pytest
from privacy_helpers import invoke

from clearsight.privacy.stats import laplace_release


def publish(home: Path, *args: str) -> dict:
    result = invoke(home, "stats", "publish", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read(path: Path):
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            strings_can_be_null=False, column_types={"hs2": "string", "partner": "string", "month": "string"}
        ),
    ).to_pylist()


@pytest.fixture(scope="module")
def suppressed(shared_home) -> dict:
    return publish(
        shared_home, "--by", "hs2,partner", "--k", "3", "--p", "80", "--out", str(shared_home / "stats-sup")
    )


def test_primary_rules_rechecked_with_sql(suppressed, synthetic_warehouse_file):
    cells = read(Path(suppressed["path"]) / "cells.csv")
    con = duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    truth = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            """select substr(hs_code, 1, 2), country_of_origin, count(distinct importer_id), sum(customs_value),
                      max(v) from (select *, sum(customs_value) over (partition by substr(hs_code, 1, 2),
                      country_of_origin, importer_id) as v from declarations) group by all"""
        ).fetchall()
    }
    con.close()
    assert len(cells) == len(truth) == suppressed["suppression"]["cells"]
    statuses = {c["status"] for c in cells}
    assert (
        statuses <= {"published", "primary", "secondary"}
        and "primary" in statuses
        and "published" in statuses
    )
    for c in cells:
        importers, value, top = truth[(c["hs2"], c["partner"])]
        breaks_rule = importers < 3 or top > 0.8 * value
        assert (c["status"] == "primary") == breaks_rule
        if c["status"] == "published":
            assert math.isclose(c["trade_value"], value, rel_tol=1e-9, abs_tol=0.01)
        else:
            assert c["items"] is None and c["trade_value"] is None and c["revenue"] is None


def test_no_withheld_cell_recoverable_from_totals(suppressed):
    folder = Path(suppressed["path"])
    cells = read(folder / "cells.csv")
    for dim, rest in (("partner", "hs2"), ("hs2", "partner")):
        totals = {t[rest]: t for t in read(folder / f"totals_over_{dim}.csv")}
        lines: dict[str, list] = {}
        for c in cells:
            lines.setdefault(c[rest], []).append(c)
        for key, members in lines.items():
            withheld = [c for c in members if c["status"] != "published"]
            if totals[key]["status"] == "published":
                # a published total minus the published cells would give away a single withheld cell
                assert len(withheld) != 1, (dim, key)
                if not withheld:
                    assert totals[key]["items"] == sum(c["items"] for c in members)


def test_dp_noise_scale_matches_epsilon(shared_home, synthetic_warehouse_file):
    m = publish(
        shared_home, "--by", "hs2,month", "--dp-epsilon", "0.6", "--out", str(shared_home / "stats-dp")
    )
    dp = m["differential_privacy"]
    assert dp["epsilon"] == 0.6
    assert math.isclose(dp["items"]["scale"], 1 / 0.2) and dp["items"]["epsilon_spent"] <= 0.2 + 1e-9
    assert math.isclose(dp["trade_value"]["scale"], 1_000_000 / 0.2)
    assert math.isclose(
        dp["trade_value"]["accuracy95"], dp["trade_value"]["scale"] * math.log(20), rel_tol=1e-6
    )
    cells = read(Path(m["path"]) / "cells.csv")
    con = duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    truth = dict(
        ((r[0], r[1]), r[2])
        for r in con.execute(
            "select substr(hs_code,1,2), strftime(lodged_at, '%Y-%m'), count(*) from declarations group by all"
        ).fetchall()
    )
    con.close()
    assert len(cells) == dp["cells"] >= len(truth)  # every combination, empty ones too
    noise = np.array([c["items"] - truth.get((c["hs2"], c["month"]), 0) for c in cells], dtype=float)
    # discrete Laplace of scale b: mean |noise| is close to b for b = 5; over ~1,000 cells within 15 %
    assert abs(np.abs(noise).mean() / dp["items"]["scale"] - 1) < 0.15
    assert abs(noise.mean()) < 0.2 * dp["items"]["scale"]  # unbiased
    assert all(c["items_accuracy95"] == dp["items"]["accuracy95"] for c in cells)


def test_laplace_scale_follows_sensitivity_over_epsilon():
    zeros = np.zeros(20_000)
    for eps in (0.5, 2.0):
        noisy, params = laplace_release(zeros, 10.0, eps, integer=False)
        assert math.isclose(params["scale"], 10.0 / eps) and params["epsilon_spent"] <= eps * (1 + 1e-9)
        assert abs(np.abs(noisy).mean() / params["scale"] - 1) < 0.05  # E|Laplace(b)| = b
        inside = np.mean(np.abs(noisy) <= params["accuracy95"])
        assert 0.94 < inside < 0.96


def test_bad_input_writes_nothing(home):
    for args, message in (
        (("--by", "hs2,colour"), "unknown dimension 'colour'"),
        (("--by", "hs2", "--k", "1"), "--k must be at least 2"),
        (("--by", "hs2", "--dp-epsilon", "-1"), "--dp-epsilon"),
        (("--by", "hs2,hs2"), "named twice"),
    ):
        result = invoke(home, "stats", "publish", *args)
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (home / "reports" / "statistics").exists()
