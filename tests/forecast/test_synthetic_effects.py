"""The synthetic world records its revenue effects, and its data shows them at the recorded dates."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from clearsight.synth import generate_world


@pytest.fixture(scope="module")
def world():
    return generate_world(items=4000, seed=11)


def test_effects_are_recorded_and_deterministic(world):
    effects = world.params["revenue_effects"]
    assert set(effects) == {"trend", "seasonality", "tariff_change", "shock"}
    assert effects == generate_world(items=4000, seed=11).params["revenue_effects"]
    assert all(0.05 <= s["amplitude"] <= 0.2 for s in effects["seasonality"].values())


def test_tariff_change_raises_the_headings_rate_from_its_date(world):
    change = world.params["revenue_effects"]["tariff_change"]
    d = world.declarations
    in_heading = pc.is_in(pc.utf8_slice_codeunits(d["hs_code"], 0, 4), value_set=pa.array(change["headings"]))
    lodged = pc.strftime(d["lodged_at"], "%Y-%m-%d")
    after = pc.and_(in_heading, pc.greater_equal(lodged, change["from"]))
    before = pc.and_(in_heading, pc.less(lodged, change["from"]))
    # without preference the rate is the tariff's + 10 points after the change
    mfn = pc.equal(pc.fill_null(d["preference_code"], ""), "")
    rate_after = pc.max(pc.filter(d["duty_rate"], pc.and_(after, mfn))).as_py()
    rate_before = pc.max(pc.filter(d["duty_rate"], pc.and_(before, mfn))).as_py()
    assert rate_after == pytest.approx(rate_before + change["duty_rate_increase_points"])


def test_port_closure_month_is_empty_at_the_office(world):
    shock = world.params["revenue_effects"]["shock"]
    d = world.declarations
    lodged = pc.strftime(d["lodged_at"], "%Y-%m-%d")
    at_office = pc.equal(d["office_id"], shock["office_id"])
    closed = pc.and_(pc.greater_equal(lodged, shock["from"]), pc.less_equal(lodged, shock["to"]))
    assert pc.sum(pc.and_(at_office, closed)).as_py() in (None, 0)
    assert pc.sum(at_office).as_py() > 0
