"""The simulator on a small generated world: its JSON, what strategies may learn, the oracle, bad input."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.lab.simulate import (
    STRATEGIES,
    ModelStrategy,
    Simulation,
    generated_world,
    reveal,
)
from clearsight.synth import generate_world, write_world

WEEKS = 4


@pytest.fixture(scope="module")
def world():
    return generated_world(24_000, 3, WEEKS)


@pytest.fixture(scope="module")
def run(world):
    """One simulation of every strategy, kept with its strategies (their own labels)."""
    sim = Simulation(world, weeks=WEEKS, budget=0.05, strategies=list(STRATEGIES), seed=1)
    result = sim.run()
    return sim, result


def test_json_has_the_promised_shape(run) -> None:
    _, result = run
    data = json.loads(json.dumps(result.to_json_dict()))
    assert data["weeks"] == WEEKS and data["budget"] == 5
    assert set(data["strategies"]) == set(STRATEGIES)
    for s in data["strategies"].values():
        for key in ("precision", "revenue", "critical_recall"):
            assert len(s[key]) == WEEKS
        assert s["cumulative_revenue"] == pytest.approx(sum(s["revenue"]), abs=0.05)
        assert all(p is None or 0 <= p <= 1 for p in s["precision"])
        assert s["weeks_to_detect_new_scheme"] is None or 1 <= s["weeks_to_detect_new_scheme"] <= WEEKS
        # the budget is kept: at most 5 % of the week's items (office budgets round down)
        assert sum(s["inspected"]) <= 0.05 * data["items_simulated"]
        assert sum(s["inspected"]) > 0


def test_the_oracle_bounds_every_strategy_every_week(run) -> None:
    _, result = run
    for s in result.strategies.values():
        for revenue, oracle in zip(s.revenue, s.oracle, strict=True):
            assert revenue <= oracle + 1e-6
    # and the model strategies find more than random selection does
    assert sum(result.strategies["model"].revenue) > sum(result.strategies["random"].revenue)


def test_labels_are_revealed_only_for_the_items_a_strategy_inspected(run, world) -> None:
    sim, result = run
    start = np.datetime64(sim.start, "s")
    inspected = {}
    for name, strategy in sim.strategies.items():
        items = np.concatenate(strategy.inspected)
        assert items.size == sum(result.strategies[name].inspected) == np.unique(items).size
        assert np.all(world.lodged[items] >= start)
        inspected[name] = items
        if isinstance(strategy, ModelStrategy):
            # its training labels after the start are exactly its own inspections, with their results
            t = strategy.training
            late = t.filter(pc.greater_equal(t["lodged_at"], sim.start))
            keys = set(zip(late["declaration_id"].to_pylist(), late["item_no"].to_pylist(), strict=True))
            decl = world.declarations
            own = set(
                zip(
                    decl["declaration_id"].take(items).to_pylist(),
                    decl["item_no"].take(items).to_pylist(),
                    strict=True,
                )
            )
            assert keys == own
            truth = reveal(world, sim._found_draw, np.sort(items))
            assert int(pc.sum(late["fraud"]).as_py()) == int(truth.found.sum())
    # each strategy paid for its own labels: the selections differ
    assert set(inspected["model"].tolist()) != set(inspected["random"].tolist())


def test_reveal_reads_nothing_but_the_items_asked(world) -> None:
    draw = np.zeros(world.items)  # every fraud inspected is found
    frauds = np.flatnonzero(world.is_fraud)[:5]
    clean = np.flatnonzero(~world.is_fraud)[:5]
    result = reveal(world, draw, np.concatenate([frauds, clean]))
    assert result.found.tolist() == [True] * 5 + [False] * 5
    assert np.all(result.revenue[5:] == 0) and np.all(result.revenue[:5] > 0)


def test_cli_prints_the_json_and_writes_the_report(tmp_path) -> None:
    out = tmp_path / "sim.html"
    res = CliRunner().invoke(
        app,
        [
            "--home",
            str(tmp_path / "home"),
            "simulate",
            "--items",
            "15000",
            "--weeks",
            "2",
            "--strategies",
            "random,rules",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data["strategies"]) == {"random", "rules"}
    html = out.read_text()
    assert "chart-cumulative-revenue" in html and "chart-scheme" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "120"], "--budget must be a percentage above 0 and at most 100"),
        (["--budget", "-1"], "--budget must be a percentage above 0 and at most 100"),
        (["--strategies", "random,oracle"], "unknown strategy 'oracle'"),
        (["--weeks", "1"], "--weeks must be at least 2"),
        (["--explore-share", "150"], "--explore-share must be a percentage between 0 and 100"),
    ],
)
def test_bad_options_get_one_clear_line(tmp_path, args, message) -> None:
    res = CliRunner().invoke(app, ["--home", str(tmp_path), "simulate", "--items", "500", *args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_a_world_folder_without_ground_truth_is_refused(tmp_path) -> None:
    folder = tmp_path / "world"
    write_world(generate_world(items=300, seed=1), folder, "csv")
    (folder / "ground_truth.csv").unlink()
    res = CliRunner().invoke(app, ["--home", str(tmp_path), "simulate", "--world", str(folder)])
    assert res.exit_code == 2
    assert "holds no ground_truth.parquet or ground_truth.csv" in res.output


def test_a_world_too_short_for_the_weeks_is_refused(tmp_path) -> None:
    folder = tmp_path / "world"
    write_world(generate_world(items=2_000, seed=1, days=90), folder, "parquet")
    res = CliRunner().invoke(
        app, ["--home", str(tmp_path), "simulate", "--world", str(folder), "--weeks", "10"]
    )
    assert res.exit_code == 2
    assert "do not fit" in res.output


def test_demo_step_simulates_the_demo_world_and_writes_the_report(tmp_path) -> None:
    from clearsight.core.settings import Settings
    from clearsight.lab.demo import demo_simulation

    write_world(generate_world(items=20_000, seed=5), tmp_path / "demo-world", "parquet")
    paths = demo_simulation(Settings(home=tmp_path), None)
    assert paths == [tmp_path / "reports" / "simulation.html"]
    html = paths[0].read_text()
    assert "model+explore" in html and "chart-precision" in html
    assert str(tmp_path / "demo-world") in html  # the demo's own world, not a generated one
