"""`clearsight synth` through the real CLI app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


def test_synth_writes_a_world(tmp_path):
    out = tmp_path / "world"
    result = runner.invoke(app, ["synth", "--out", str(out), "--items", "1500", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)
    assert meta["items"] == 1500 and meta["seed"] == 3
    assert (out / "declarations.csv").exists() and (out / "ground_truth.csv").exists()
    assert json.loads((out / "world.json").read_text())["declarations"] == meta["declarations"]


def test_synth_parquet(tmp_path):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--items", "500", "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "events.parquet").exists()
    assert "ground_truth" in result.output


def test_bad_options_give_one_line_errors(tmp_path):
    cases = {
        ("--format", "xml"): "--format must be one of csv, parquet",
        ("--items", "5"): "--items must be at least 100",
        ("--fraud-rate", "0.9"): "--fraud-rate must be between 0 and 0.5",
        ("--reporter", "XY"): "--reporter must be an ISO 3166 alpha-2",
        ("--start", "2023-02-30"): "--start must be a date",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["synth", "--out", str(tmp_path / "w"), *args])
        assert result.exit_code == 2, args
        assert message in result.stderr
        assert "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1


def test_out_must_be_a_folder(tmp_path):
    file = tmp_path / "file.txt"
    file.write_text("x")
    result = runner.invoke(app, ["synth", "--out", str(file)])
    assert result.exit_code == 2 and "not a folder" in result.stderr


def test_generated_files_ingest_without_a_mapping(tmp_path):
    world = tmp_path / "world"
    assert runner.invoke(app, ["synth", "--out", str(world), "--items", "1000"]).exit_code == 0
    home = tmp_path / "home"
    for table in ("parties", "declarations", "inspections", "events", "trade_flows", "seizures"):
        result = runner.invoke(
            app, ["--home", str(home), "ingest", table, str(world / f"{table}.csv"), "--json"]
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["rows_in"] == report["accepted"] > 0, report
        assert report["quarantined"] == 0 and report["warnings"] == 0, report
