"""Drift: population stability per week finds planted drift and leaves stable features alone."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from drift_planted import PLANTED_FROM, TRAIN_UNTIL, copy, planted_file, planted_world_json, train_model
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace
from clearsight.risk.drift import (
    ACT,
    FLOOR,
    cache_path,
    compute_drift,
    drift_warnings,
    psi,
    state_key,
)

PLANTED = {"customs_value", "unit_value", "mode_of_transport"}
UNTOUCHED = {"duty_rate", "hs2", "country_of_origin"}


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift():
    assert psi([10, 20, 70], [1, 2, 7]) == pytest.approx(0.0)
    small, large = psi([50, 50], [55, 45]), psi([50, 50], [90, 10])
    assert 0 < small < 0.1 <= ACT < large
    by_hand = sum((a - e) * math.log(a / e) for e, a in ((0.5, 0.9), (0.5, 0.1)))
    assert large == pytest.approx(by_hand)
    # An empty bin is floored, so the index stays finite.
    empty = psi([100, 0], [50, 50])
    assert math.isfinite(empty) and empty == pytest.approx(
        (0.5 - 1) * math.log(0.5) + (0.5 - FLOOR) * math.log(0.5 / FLOOR)
    )
    with pytest.raises(ValueError):
        psi([1, 2], [1, 2, 3])


@pytest.fixture
def planted(tmp_path_factory, tmp_path):
    wh = copy(planted_file(tmp_path_factory), tmp_path / "home" / "warehouse.duckdb")
    yield wh, Settings(home=tmp_path / "home")
    wh.close()


def _weeks(report, after: bool) -> list[int]:
    cut = f"{PLANTED_FROM:%Y-%m-%d}"
    return [i for i, w in enumerate(report.weeks) if (w >= cut) == after]


def closure_weeks(report, world_json) -> set[int]:
    """Weeks (indexes into ``report.weeks``) overlapping the port closure the world records."""
    shock = json.loads(world_json.read_text())["revenue_effects"]["shock"]
    start, end = dt.date.fromisoformat(shock["from"]), dt.date.fromisoformat(shock["to"])
    weeks = [dt.date.fromisoformat(w[:10]) for w in report.weeks]
    return {i for i, w in enumerate(weeks) if w <= end and w + dt.timedelta(days=6) >= start}


def test_planted_drift_against_the_first_weeks(planted, tmp_path_factory):
    wh, settings = planted
    report = compute_drift(wh, settings)
    assert report.reference_source == "the first 8 weeks of the warehouse" and report.model is None
    names = {f.name for f in report.features}
    assert names == PLANTED | UNTOUCHED, "history features and the score need a model's training window"
    late, early = _weeks(report, after=True), _weeks(report, after=False)
    # The world closes its busiest sea port for a month (a planted shock, for forecasting): its weeks
    # really do shift the mode of transport, so they are no evidence of stability either way.
    closed = closure_weeks(report, planted_world_json(tmp_path_factory))
    assert closed, "the world records its port closure"
    stable = [i for i in early if i not in closed]
    assert len(late) == 3 and len(stable) >= 5  # nine weeks before the drift, four of them closure weeks
    for f in report.features:
        if f.name in PLANTED:
            assert min(f.psi[i] for i in late) >= ACT, f.name
        assert max(f.psi[i] for i in stable) < ACT, f.name
        if f.name in UNTOUCHED:
            assert max(f.psi) < ACT, f.name
    warned = " ".join(report.warnings())
    assert "Customs value has drifted" in warned and "Mode of transport" in warned
    assert "Duty rate" not in warned and "HS chapter" not in warned and "Origin" not in warned
    assert any("history features" in n for n in report.notes)


def test_reference_is_the_models_last_training_weeks_and_the_score_drifts(planted):
    wh, settings = planted
    train_model(wh, Workspace(settings).models_dir)
    report = compute_drift(wh, settings, scores=True)
    assert report.model == "drift-model" and "training weeks of model drift-model" in report.reference_source
    assert report.reference_to < f"{TRAIN_UNTIL:%Y-%m-%d}" <= report.weeks[0]
    names = [f.name for f in report.features]
    assert {"importer_prior_items", "importer_fraud_rate", "score"} <= set(names)
    score = report.features[names.index("score")]
    late, early = _weeks(report, after=True), _weeks(report, after=False)
    assert min(score.psi[i] for i in late) >= ACT > 0
    assert min(score.psi[i] for i in late) > max(score.psi[i] for i in early)
    assert sum(score.reference) == report.reference_items
    assert any("fraud probability has drifted" in w for w in report.warnings())


def test_drift_warnings_are_cached_per_model_and_data(planted):
    wh, settings = planted
    warnings = drift_warnings(wh, settings)
    assert warnings == compute_drift(wh, settings, scores=False).warnings() and len(warnings) == 3
    key = state_key(wh, settings)
    assert json.loads(cache_path(settings).read_text())["key"] == key
    assert drift_warnings(wh, settings) == warnings
    # A new label changes the state: the next call counts again.
    i = wh.table("inspections")
    wh.insert("inspections", i.limit(1).to_pyarrow())
    assert state_key(wh, settings) != key


def test_drift_warnings_are_empty_without_enough_data(duckdb_warehouse, tmp_path):
    assert drift_warnings(duckdb_warehouse, Settings(home=tmp_path)) == []


def test_drift_command_json_and_report(planted):
    wh, settings = planted
    wh.close()
    runner = CliRunner()
    result = runner.invoke(
        app, ["--home", str(settings.home), "drift", "--weeks", "4", "--json", "--no-scores"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [w["week"] for w in data["weeks"]][-1] >= f"{PLANTED_FROM:%Y-%m-%d}" and len(data["weeks"]) == 4
    assert data["thresholds"] == {"watch": 0.1, "act": 0.25, "empty_bin_share": FLOOR}
    levels = {f["name"]: f["level"] for f in data["features"]}
    assert all(levels[n] == "act" for n in PLANTED) and all(levels[n] != "act" for n in UNTOUCHED)
    html = (Workspace(settings).reports_dir / "drift.html").read_text()
    assert 'id="chart-psi-heatmap"' in html and "Mode of transport has drifted" in html
    text = runner.invoke(app, ["--home", str(settings.home), "drift", "--no-scores"])
    assert text.exit_code == 0 and "act" in text.stdout and "warning:" in text.stdout


def test_drift_command_on_an_empty_warehouse(tmp_path):
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "drift"])
    assert result.exit_code == 2 and "holds no declarations" in result.output
    assert "Traceback" not in result.output


def test_weeks_are_mondays(planted):
    wh, settings = planted
    report = compute_drift(wh, settings, scores=False)
    assert all(dt.date.fromisoformat(w).weekday() == 0 for w in report.weeks)
    assert report.trimmed(2).weeks == report.weeks[-2:]


@pytest.fixture
def two_day_week(planted):
    """The planted world cut after the first two days of the drifted weeks: its last week holds two
    days of data (Monday and Tuesday), drifted; the full weeks before are stable."""
    wh, settings = planted
    d = wh.table("declarations")
    wh.replace("declarations", d.filter(d.lodged_at < PLANTED_FROM + dt.timedelta(days=2)).to_pyarrow())
    return wh, settings


def test_a_partial_week_is_flagged_and_never_alerted_on(two_day_week):
    from clearsight.risk.drift_html import render_html

    wh, settings = two_day_week
    report = compute_drift(wh, settings, scores=False, min_week_items=100)
    last = f"{PLANTED_FROM:%Y-%m-%d}"
    assert report.weeks[-1] == last and report.week_partial[-1] and report.week_days[-1] == 2
    assert not any(report.week_partial[:-1]) and report.partial_weeks() == [(last, 2)]
    value = {f.name: f for f in report.features}["customs_value"]
    assert value.psi[-1] >= ACT  # the two days did drift (planted), and they are shown...
    assert report.warnings() == [] and report.acting() == []  # ...but the alert reads the latest full week
    full = report.weeks[report.latest_index()]
    assert full == f"{PLANTED_FROM - dt.timedelta(days=7):%Y-%m-%d}"
    assert report.latest("customs_value") == value.psi[-2] < ACT
    # the JSON the portal's cache and `drift --json` hold says so
    data = report.to_json_dict()
    assert data["weeks"][-1] == {"week": last, "items": report.week_items[-1], "days": 2, "partial": True}
    assert data["weeks"][-2]["partial"] is False and data["latest_week"] == full
    assert all(f["level"] != "act" for f in data["features"]) and data["warnings"] == []
    # the demo's line and the report's notes agree with the warnings
    headline = report.headline()
    assert f"in the latest full week ({full}) no feature past {ACT}" in headline
    assert f"partial week(s) shown, not alerted on: {last} (2 days)" in headline
    assert any(f"{last} (2 days)" in n for n in report.notes)
    html = render_html(report)
    assert f"Latest full week ({full}," in html and 'id="warnings"' not in html
    assert f"{last} (2 days of data)" in html


def test_drift_command_marks_the_partial_week(two_day_week):
    wh, settings = two_day_week
    wh.close()
    runner = CliRunner()
    args = ["--home", str(settings.home), "drift", "--no-scores", "--min-week-items", "100"]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert data["weeks"][-1]["partial"] is True and data["weeks"][-1]["days"] == 2 and data["warnings"] == []
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "partial, 2d" in text.stdout and "warning:" not in text.stdout
    assert f"no feature past {ACT}" in text.stdout


def test_partial_weeks_are_only_the_edges_short_of_a_typical_week():
    from clearsight.risk.drift import partial_weeks

    monday = dt.datetime(2024, 1, 1)
    weeks = {monday + dt.timedelta(days=7 * i): d for i, d in enumerate([3, 5, 5, 2, 5, 5, 5])}
    # an office open five days a week: the first week (3 days) is partial, the quiet week inside is not
    assert partial_weeks(weeks) == {monday: 3}
    weeks[monday + dt.timedelta(days=42)] = 2  # the data now ends on a Tuesday
    assert partial_weeks(weeks) == {monday: 3, monday + dt.timedelta(days=42): 2}
    assert partial_weeks({monday: 2}) == {}  # one week alone is its own typical week


def test_a_world_too_small_to_measure_says_so_rather_than_no_drift(planted):
    wh, settings = planted
    report = compute_drift(wh, settings, min_week_items=10**9)
    assert report.weeks == []
    assert report.headline().startswith("no week compared: ") and "fewer than" in report.headline()
