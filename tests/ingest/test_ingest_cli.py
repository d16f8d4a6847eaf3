"""The ingest and quarantine commands as a user runs them: messages, JSON, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()
HEADER = "declaration_id,item_no,lodged_at,office_id,declarant_id,importer_id,country_of_origin,hs_code,customs_value,net_mass_kg\n"


def run(home, *args):
    return runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)


def test_ingest_json_and_quarantine_commands(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        HEADER
        + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10\nD2,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,-1\n"
    )
    result = run(tmp_path / "home", "ingest", "declarations", str(f), "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["table"] == "declarations" and out["rows_in"] == 2 and out["accepted"] == 1
    assert out["quarantined"] == 1 and out["skipped"] is False and out["batch"]

    again = run(tmp_path / "home", "ingest", "declarations", str(f), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout.strip().splitlines()[-1])["skipped"] is True

    listed = run(tmp_path / "home", "quarantine", "list", "--json")
    assert json.loads(listed.stdout)[0]["rows"] == 1
    shown = run(tmp_path / "home", "quarantine", "show", out["batch"], "--json")
    row = json.loads(shown.stdout.strip().splitlines()[0])
    assert row["row_no"] == 2 and row["fields"] == "net_mass_kg" and "negative" in row["reasons"]
    export = tmp_path / "fix.csv"
    exported = run(tmp_path / "home", "quarantine", "export", "--out", str(export))
    assert exported.exit_code == 0 and "D2" in export.read_text()


def test_bad_files_get_one_line_and_a_non_zero_exit(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    ragged = tmp_path / "only-bad.csv"
    ragged.write_text(HEADER + "D1,1\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("table: declarations\nfields:\n  customs_value: Item Price\n")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10\n")
    home = tmp_path / "home"

    results = []
    result = run(home, "ingest", "declarations", str(empty))
    assert result.exit_code == 1 and "empty.csv: the file is empty" in result.stderr
    results.append(result)

    result = run(home, "ingest", "declarations", str(ragged))  # every row quarantined: nothing ingested
    assert result.exit_code == 1 and "0 accepted" in result.stdout and "1 quarantined" in result.stdout
    results.append(result)

    result = run(home, "ingest", "declarations", str(good), "--mapping", str(mapping))
    assert result.exit_code == 1
    assert "names column 'Item Price' for field 'customs_value'" in result.stderr
    results.append(result)

    result = run(home, "ingest", "nonsense", str(good))
    assert result.exit_code == 2 and "unknown table 'nonsense'" in result.stderr
    results.append(result)

    for r in results:
        assert "Traceback" not in r.stdout + r.stderr
        assert len(r.stderr.strip().splitlines()) <= 2  # one line per refusal (wrapped at most once)


def test_the_installed_command_never_shows_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("table: [oops\n")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight.cli",
            "--home",
            str(tmp_path / "h"),
            "ingest",
            "declarations",
            str(good),
            "--mapping",
            str(bad),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "not valid YAML" in proc.stderr and "Traceback" not in proc.stderr


def test_schema_prints_every_table_with_wco_ids(tmp_path):
    result = run(tmp_path, "schema", "--json")
    data = json.loads(result.stdout)
    assert set(data) >= {
        "declarations",
        "inspections",
        "events",
        "trade_flows",
        "seizures",
        "parties",
        "ingest_batches",
        "quarantine",
    }
    origin = next(f for f in data["declarations"]["fields"] if f["name"] == "country_of_origin")
    assert origin["wco_id"] == "063" and origin["required"] is True and origin["type"] == "string"
    assert run(tmp_path, "schema", "nope").exit_code == 2


def test_piped_tables_are_not_cut_at_80_columns(tmp_path):
    # `clearsight quarantine list | less`: the batch id a later `quarantine show` needs is shown whole.
    f = tmp_path / "trade-flows-from-the-statistics-office-with-a-long-name.csv"
    f.write_text(HEADER + "D1,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,10\nD2,1,2024-01-05,OF1,DC1,IM1,CN,847130,100,-1\n")
    home = tmp_path / "home"
    batch = json.loads(run(home, "ingest", "declarations", str(f), "--json").stdout.strip().splitlines()[-1])["batch"]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [sys.executable, "-m", "clearsight.cli", "--home", str(home), "quarantine", "list"],
        capture_output=True, text=True, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert batch in proc.stdout and f.name in proc.stdout
    assert "…" not in proc.stdout
