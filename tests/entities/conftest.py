"""The synthetic world the entity tests share: seed 7, 20,000 items, ingested through the real gate."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.synth import generate_world, write_world

TABLES = ("parties", "declarations", "inspections", "seizures", "seizure_parties")


@pytest.fixture(scope="session")
def world_home(tmp_path_factory):
    """(home, world folder): the world lives in the home's demo-world, as the demo leaves it."""
    runner = CliRunner()
    base = tmp_path_factory.mktemp("entities")
    world = base / "home" / "demo-world"
    write_world(generate_world(items=20_000, seed=7), world, "csv")
    home = base / "home"
    for table in TABLES:
        result = runner.invoke(
            app, ["--home", str(home), "ingest", table, str(world / f"{table}.csv"), "--json"]
        )
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--home", str(home), "entities", "resolve", "--json"])
    assert result.exit_code == 0, result.output
    return home, world
